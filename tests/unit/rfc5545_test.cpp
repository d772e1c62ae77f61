// The examples of RFC 5545 section 3.8.5.3, in the RFC's own words (DTSTART in
// America/New_York, a zone with DST, as in the RFC): the expected occurrences are read
// from the printed "==>" lines, not computed. A result the RFC leaves open ("...") is
// compared on the occurrences it prints; a closed one must match exactly.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "scheduler/rrule.hpp"

namespace loaxa::scheduler {
namespace {

struct Case {
  const char* name;
  const char* dtstart;
  const char* rrule;
  const char* exdate;
  const char* rfc;  // the "==>" block as printed
};

const Case kCases[] = {
#include "rfc5545_cases.inc"
};

LocalSeconds basic(const std::string& s) {
  return parse_local_datetime(s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" +
                              s.substr(9, 2) + ":" + s.substr(11, 2) + ":" + s.substr(13, 2));
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \n");
  const auto e = s.find_last_not_of(" \n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

int month_number(const std::string& name) {
  static const std::array<const char*, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i]) return static_cast<int>(i) + 1;
  }
  throw std::runtime_error("not a month: '" + name + "'");
}

// What the RFC prints for one example: its occurrences in order, and whether it goes on.
struct Printed {
  std::vector<std::string> occurrences;  // local YYYYMMDDTHHMMSS
  bool goes_on = false;
};

// One list of the RFC's notation ("2,4,6,8...24,26", "1-31", "09:00,10:30;12:00",
// "9:40, ... 16:00"): values in order; "a...b" or "... b" continues the step of the two
// values before up to b, "a-b" is every value from a to b, a "..." at the end goes on.
std::vector<int> read_list(const std::string& text, bool times, bool& goes_on) {
  auto value = [&](std::string v) {
    v = trim(v);
    if (!times) return std::stoi(v);
    const auto colon = v.find(':');
    return std::stoi(v.substr(0, colon)) * 60 + std::stoi(v.substr(colon + 1));
  };
  std::vector<int> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const auto dots = item.find("...");
    if (dots != std::string::npos) {
      const std::string before = trim(item.substr(0, dots)), after = trim(item.substr(dots + 3));
      if (!before.empty()) out.push_back(value(before));
      if (after.find_first_not_of(". ") == std::string::npos) {
        goes_on = true;
        continue;
      }
      if (out.size() < 2) throw std::runtime_error("'...' needs two values before it: " + text);
      const int step = out.back() - out[out.size() - 2], last = value(after);
      for (int v = out.back() + step; v < last; v += step) out.push_back(v);
      out.push_back(last);
    } else if (!times && item.find('-') != std::string::npos) {
      const auto dash = item.find('-');
      for (int d = value(item.substr(0, dash)); d <= value(item.substr(dash + 1)); ++d) {
        out.push_back(d);
      }
    } else {
      out.push_back(value(item));
    }
  }
  return out;
}

// "(1997 9:00 AM EDT) September 2-30;October 1-25\n(1997 9:00 AM EST) ...",
// "(1997 EDT) August 5,10", "(September 2, 1997 EDT) 09:00,09:15;...".
Printed read_printed(const std::string& rfc, const std::string& dtstart) {
  Printed p;
  std::string text = rfc;
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  const int default_minutes =
      std::stoi(dtstart.substr(9, 2)) * 60 + std::stoi(dtstart.substr(11, 2));
  auto emit = [&](int y, int m, int d, int minutes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d00", y, m, d, minutes / 60, minutes % 60);
    p.occurrences.emplace_back(buf);
  };
  std::size_t at = 0;
  while ((at = text.find('(', at)) != std::string::npos) {
    const auto close = text.find(')', at);
    const std::string header = text.substr(at + 1, close - at - 1);
    const auto next = text.find('(', close);
    const std::string body =
        text.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
    at = close;
    std::istringstream h(header);
    std::string first;
    h >> first;
    if (std::isdigit(static_cast<unsigned char>(first[0]))) {
      // (YEAR [H:MM AM|PM] ZONE) Month days;Month days
      const int year = std::stoi(first);
      int minutes = default_minutes;
      std::string word;
      if (h >> word && word.find(':') != std::string::npos) {
        std::string ampm;
        h >> ampm;
        minutes = std::stoi(word.substr(0, word.find(':'))) % 12 * 60 +
                  std::stoi(word.substr(word.find(':') + 1)) + (ampm == "PM" ? 720 : 0);
      }
      std::string segment;
      std::istringstream b(body);
      while (std::getline(b, segment, ';')) {
        segment = trim(segment);
        if (segment.empty()) continue;
        if (segment == "...") {
          p.goes_on = true;
          continue;
        }
        const auto space = segment.find(' ');
        const int month = month_number(segment.substr(0, space));
        for (int d : read_list(segment.substr(space + 1), false, p.goes_on)) {
          emit(year, month, d, minutes);
        }
      }
    } else {
      // (Month D, YEAR ZONE) HH:MM,HH:MM;HH:MM
      const int month = month_number(first);
      std::string day, year;
      h >> day >> year;
      std::string list = body;
      for (char& c : list) {
        if (c == ';') c = ',';
      }
      for (int minutes : read_list(list, true, p.goes_on)) {
        emit(std::stoi(year), month, std::stoi(day), minutes);
      }
    }
  }
  return p;
}

TEST(Rfc5545Notation, ReadsRangesElisionsAndAnOpenEnd) {
  const Printed p = read_printed(
      "(1997 9:00 AM EDT) September 2,4,6...12;\nOctober 30-31\n(1998 EST) May 1,3,...",
      "19970902T090000");
  EXPECT_EQ(p.occurrences,
            (std::vector<std::string>{"19970902T090000", "19970904T090000", "19970906T090000",
                                      "19970908T090000", "19970910T090000", "19970912T090000",
                                      "19971030T090000", "19971031T090000", "19980501T090000",
                                      "19980503T090000"}));
  EXPECT_TRUE(p.goes_on);
  const Printed t =
      read_printed("(September 2, 1997 EDT) 9:00,9:20, ... 10:20;11:00", "19970902T090000");
  EXPECT_EQ(t.occurrences,
            (std::vector<std::string>{"19970902T090000", "19970902T092000", "19970902T094000",
                                      "19970902T100000", "19970902T102000", "19970902T110000"}));
  EXPECT_FALSE(t.goes_on);
}

class Rfc5545 : public ::testing::TestWithParam<Case> {};

TEST_P(Rfc5545, MatchesTheRfc) {
  const Case& c = GetParam();
  const Printed printed = read_printed(c.rfc, c.dtstart);
  ASSERT_FALSE(printed.occurrences.empty()) << c.rfc;
  const Zone ny("America/New_York");
  RecurrenceSet set{basic(c.dtstart), parse_rrule(c.rrule), {}, {}};
  if (*c.exdate) set.exdates.push_back(basic(c.exdate));
  const Instant from = ny.to_instant(set.dtstart);
  const Instant to = ny.to_instant(parse_local_datetime("2200-01-01T00:00:00"));
  std::vector<std::string> got;
  for (const Instant t : expand(set, ny, from, to, 400)) {
    got.push_back(date::format("%Y%m%dT%H%M%S", ny.to_local_seconds(t)));
  }
  // An open result is compared on what the RFC prints; a closed one ends there too.
  if (printed.goes_on && got.size() > printed.occurrences.size()) {
    got.resize(printed.occurrences.size());
  }
  EXPECT_EQ(got, printed.occurrences) << c.name << "\n  " << c.rrule << "\n  ==> " << c.rfc;
}

INSTANTIATE_TEST_SUITE_P(Section3853, Rfc5545, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return "example_" + std::to_string(info.index);
                         });

}  // namespace
}  // namespace loaxa::scheduler
