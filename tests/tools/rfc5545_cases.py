#!/usr/bin/env python3
# Regenerates tests/unit/rfc5545_cases.inc: the RFC 5545 section 3.8.5.3 examples
# (DTSTART in America/New_York) with their occurrences as python-dateutil computes them
# (its results equal the ==> lines of the RFC). Usage: tests/tools/rfc5545_cases.py > tests/unit/rfc5545_cases.inc
from dateutil.rrule import rrulestr
from dateutil import tz
from itertools import islice
import datetime
NY = tz.gettz("America/New_York")
cases = [
 ("Daily for 10 occurrences", "19970902T090000", "FREQ=DAILY;COUNT=10", ""),
 ("Daily until December 24, 1997", "19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z", ""),
 ("Every other day - forever", "19970902T090000", "FREQ=DAILY;INTERVAL=2", ""),
 ("Every 10 days, 5 occurrences", "19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5", ""),
 ("Every day in January, for 3 years (yearly)", "19980101T090000", "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", ""),
 ("Every day in January, for 3 years (daily)", "19980101T090000", "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", ""),
 ("Weekly for 10 occurrences", "19970902T090000", "FREQ=WEEKLY;COUNT=10", ""),
 ("Weekly until December 24, 1997", "19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z", ""),
 ("Every other week - forever", "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU", ""),
 ("Weekly on Tuesday and Thursday for five weeks (UNTIL)", "19970902T090000", "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", ""),
 ("Weekly on Tuesday and Thursday for five weeks (COUNT)", "19970902T090000", "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", ""),
 ("Every other week on Monday, Wednesday, and Friday until December 24, 1997", "19970901T090000", "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", ""),
 ("Every other week on Tuesday and Thursday, for 8 occurrences", "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", ""),
 ("Monthly on the first Friday for 10 occurrences", "19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", ""),
 ("Monthly on the first Friday until December 24, 1997", "19970905T090000", "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", ""),
 ("Every other month on the first and last Sunday, 10 occurrences", "19970907T090000", "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", ""),
 ("Monthly on the second-to-last Monday for 6 months", "19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", ""),
 ("Monthly on the third-to-the-last day of the month, forever", "19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3", ""),
 ("Monthly on the 2nd and 15th for 10 occurrences", "19970902T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", ""),
 ("Monthly on the first and last day for 10 occurrences", "19970930T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", ""),
 ("Every 18 months on the 10th thru 15th, 10 occurrences", "19970910T090000", "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", ""),
 ("Every Tuesday, every other month", "19970902T090000", "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", ""),
 ("Yearly in June and July for 10 occurrences", "19970610T090000", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", ""),
 ("Every other year on January, February, and March for 10 occurrences", "19970310T090000", "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", ""),
 ("Every third year on the 1st, 100th, and 200th day for 10 occurrences", "19970101T090000", "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", ""),
 ("Every 20th Monday of the year, forever", "19970519T090000", "FREQ=YEARLY;BYDAY=20MO", ""),
 ("Monday of week number 20, forever", "19970512T090000", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", ""),
 ("Every Thursday in March, forever", "19970313T090000", "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", ""),
 ("Every Thursday, but only during June, July, and August, forever", "19970605T090000", "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", ""),
 ("Every Friday the 13th, forever", "19970902T090000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "19970902T090000"),
 ("The first Saturday that follows the first Sunday of the month, forever", "19970913T090000", "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", ""),
 ("Every 4 years, the first Tuesday after a Monday in November (U.S. Presidential Election day)", "19961105T090000", "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", ""),
 ("The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months", "19970904T090000", "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", ""),
 ("The second-to-last weekday of the month", "19970929T090000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", ""),
 ("Every 3 hours from 9:00 AM to 5:00 PM on a specific day", "19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z", ""),
 ("Every 15 minutes for 6 occurrences", "19970902T090000", "FREQ=MINUTELY;INTERVAL=15;COUNT=6", ""),
 ("Every hour and a half for 4 occurrences", "19970902T090000", "FREQ=MINUTELY;INTERVAL=90;COUNT=4", ""),
 ("Every 20 minutes from 9:00 AM to 4:40 PM every day (daily)", "19970902T090000", "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", ""),
 ("Every 20 minutes from 9:00 AM to 4:40 PM every day (minutely)", "19970902T090000", "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", ""),
 ("WKST=MO changes the result", "19970805T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", ""),
 ("WKST=SU changes the result", "19970805T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", ""),
 ("An invalid date (February 30) is ignored", "20070115T090000", "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", ""),
]
N = 100
print("// Generated from python-dateutil %s, whose results equal the RFC's ==> lines." % __import__("dateutil").__version__)
for name, start, rule, ex in cases:
    d = datetime.datetime.strptime(start, "%Y%m%dT%H%M%S").replace(tzinfo=NY)
    r = rrulestr(rule, dtstart=d)
    occ = [x for x in islice(r, N + 1)]
    if ex:
        exd = datetime.datetime.strptime(ex, "%Y%m%dT%H%M%S").replace(tzinfo=NY)
        occ = [x for x in occ if x != exd]
    occ = [x for x in occ[:N] if x.year < 2200]
    vals = ",".join(x.strftime("%Y%m%dT%H%M%S") for x in occ)
    print('    {"%s",\n     "%s", "%s", "%s",\n     "%s"},' % (name, start, rule, ex, vals))
