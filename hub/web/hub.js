// loaxa-hub web UI: the fleet by district, a box's page, alerts, reports across communes
// and a plain SVG map. No framework and nothing from the Internet.
const T = {
  vi: {
    hub: 'Trung tâm tỉnh', lang: 'English', logout: 'Thoát',
    'nav.fleet': 'Các hộp', 'nav.map': 'Bản đồ', 'nav.alerts': 'Cảnh báo', 'nav.report': 'Báo cáo',
    'login.title': 'Đăng nhập', 'login.help': 'Cán bộ Sở Nội vụ và Phòng Nội vụ đăng nhập bằng tên và mật khẩu, hoặc mã truy cập (token).',
    'login.name': 'Tên đăng nhập', 'login.password': 'Mật khẩu', 'login.token': 'Hoặc mã truy cập', 'login.submit': 'Đăng nhập',
    'login.bad': 'Sai tên, mật khẩu hoặc mã truy cập',
    box: 'Hộp', commune: 'Xã', district: 'Huyện', online: 'Trực tuyến', offline: 'Mất kết nối', onair: 'Đang phát',
    lastseen: 'Lần cuối', version: 'Phiên bản', clock: 'Đồng hồ', disk: 'Ổ đĩa trống', alerts: 'Cảnh báo',
    synced: 'đã đồng bộ', unsynced: 'chưa đồng bộ', idle: 'nghỉ', none: '—', since: 'Từ lúc', message: 'Nội dung',
    chain: 'Chuỗi nhật ký', intact: 'toàn vẹn', broken: 'có chỗ đứt', rows: 'dòng', history: 'Lịch sử trạng thái',
    recent: 'Lượt phát gần đây', period: 'Kỳ báo cáo', by: 'Thống kê theo', show: 'Xem', download: 'Tải',
    plays: 'Lượt phát', airtime: 'Thời lượng', planned: 'Kế hoạch', compliance: 'Tỷ lệ', boxes: 'Số hộp',
    silent: 'Hộp không có số liệu', total: 'Tổng cộng', noalerts: 'Không có cảnh báo nào.', error: 'Lỗi',
    'by.district': 'Huyện', 'by.commune': 'Xã', 'by.box': 'Hộp', 'by.topic': 'Chủ đề', 'by.channel': 'Kênh', 'by.day': 'Ngày',
    'by.district,topic': 'Huyện × chủ đề', 'by.commune,topic': 'Xã × chủ đề',
    nomap: 'Chưa hộp nào có toạ độ (lat, lon).', title: 'Nội dung', status: 'Trạng thái', start: 'Bắt đầu',
    scope: 'Phạm vi', counted: 'hộp có số liệu',
    'nav.emergency': 'Khẩn cấp', noemergency: 'Chưa có tin khẩn cấp nào được phát hành qua trung tâm.',
    published: 'Phát hành', valid: 'Hiệu lực đến', withdrawn: 'Đã thu hồi', targets: 'Nơi nhận', everywhere: 'Toàn tỉnh',
    received: 'Đã nhận', aired: 'Đã phát', 'st.airing': 'Đang phát', 'st.aired': 'Đã phát', 'st.not_yet': 'Chưa phát',
    'st.offline': 'Mất kết nối', 'st.not_aired': 'Không phát', ended: 'Kết thúc', channels: 'Kênh', receipts: 'Xác nhận từ các hộp',
    live: 'Tự cập nhật mỗi 2 giây', 'rs.completed': 'phát trọn', 'rs.stopped': 'đã dừng', 'rs.preempted': 'bị chen', 'rs.failed': 'lỗi',
    'rs.interrupted': 'gián đoạn', 'rs.missed': 'bỏ lỡ',
    'is.title': 'Phát tin khẩn cấp', 'is.text': 'Nội dung (hiện trên màn hình, đọc cho cán bộ)', 'is.media': 'Âm thanh phát trên loa',
    'is.where': 'Gửi tới huyện', 'is.minutes': 'Hiệu lực (phút)', 'is.confirm': 'Không chọn huyện nào là gửi toàn tỉnh: gõ', 'is.send': 'Phát ngay',
    'is.sent': 'Đã phát hành; các hộp đang nhận.', withdraw: 'Thu hồi tin này', 'withdraw.ask': 'Thu hồi tin khẩn cấp này trên mọi hộp?',
    'withdraw.done': 'Đã thu hồi.',
    'nav.audit': 'Nhật ký thao tác', 'au.help': 'Ai đã làm gì, lúc nào, từ địa chỉ nào (500 thao tác gần nhất).',
    'au.at': 'Thời điểm', 'au.who': 'Người thực hiện', 'au.remote': 'Địa chỉ', 'au.action': 'Thao tác', 'au.detail': 'Chi tiết',
    'a.login': 'Đăng nhập', 'a.box.add': 'Thêm hộp', 'a.box.rm': 'Gỡ hộp', 'a.box.import': 'Nhập danh sách hộp',
    'a.user.add': 'Thêm hoặc sửa người dùng', 'a.emergency.issue': 'Phát tin khẩn cấp',
    'a.emergency.withdraw': 'Thu hồi tin khẩn cấp', 'a.emergency.refused': 'Bị từ chối: vượt phạm vi được giao',
    'nav.bulletin': 'Bản tin', nobulletin: 'Chưa có bản tin nào được soạn trên trung tâm.',
    'bt.title': 'Soạn bản tin', 'bt.name': 'Tiêu đề (để trống: tên của tệp)', 'bt.media': 'Nội dung phát',
    'bt.level': 'Mức', 'lv.normal': 'Thông thường (xã quyết định)', 'lv.priority': 'Ưu tiên (phát theo lịch)',
    'bt.start': 'Giờ phát (giờ của xã)', 'bt.daily': 'Lặp lại hằng ngày', 'bt.communes': 'Chọn xã để gửi riêng cho các xã đó; không chọn xã nào là gửi cả huyện.', 'bt.until': 'Đến hết ngày (nếu lặp)',
    'bt.draft': 'Lưu nháp và xem trước', 'bt.publish': 'Ký và phát hành', 'bt.discard': 'Bỏ bản nháp',
    'bt.withdraw': 'Thu hồi bản tin', 'bt.preview': 'Xem trước: bản tin sẽ tới các hộp sau', 'bt.decisions': 'Quyết định của các xã',
    'bt.published': 'Đã ký và phát hành; các hộp đang nhận.', 'bt.ask': 'Ký bản tin này bằng khóa của tỉnh và gửi tới các hộp trên?',
    'bs.draft': 'Bản nháp', 'bs.published': 'Đã phát hành', 'bs.withdrawn': 'Đã thu hồi',
    'dc.accepted': 'Xã đã nhận', 'dc.rejected': 'Xã từ chối', 'dc.waiting': 'Chờ xã quyết định', 'dc.airs': 'Phát theo lịch',
    'nav.library': 'Thư viện', 'lb.upload': 'Tải tệp lên thư viện', 'lb.file': 'Tệp âm thanh, hình hoặc video',
    'lb.name': 'Tiêu đề (để trống: tên của tệp)', 'lb.topic': 'Lĩnh vực', 'lb.send': 'Tải lên và kiểm tra',
    'lb.help': 'Tệp được kiểm tra (phát được không, dài bao lâu, độ lớn âm thanh) trước khi vào thư viện; chỉ tới các hộp khi một bản tin hay tin khẩn cấp dùng nó được phát hành.',
    'lb.checking': 'Đang tải lên và kiểm tra…', 'lb.done': 'Đã thêm vào thư viện:', 'lb.empty': 'Thư viện của trung tâm chưa có tệp nào.',
    'lb.kind': 'Loại', 'lb.length': 'Thời lượng', 'lb.loudness': 'Độ lớn (LUFS)', 'lb.by': 'Người tải lên', 'lb.at': 'Lúc tải lên',
    'lb.use': 'Đang dùng', 'lb.remove': 'Xóa', 'lb.ask': 'Xóa tệp này khỏi thư viện?', 'lb.removed': 'Đã xóa khỏi thư viện.',
    'lb.mine': 'thư viện', 'k.audio': 'Âm thanh', 'k.video': 'Video', 'k.image': 'Hình ảnh', yes: 'Có', no: 'Không',
    'hd.title': 'Ngày nghỉ', 'hd.help': 'Các lịch có đánh dấu “bỏ qua ngày nghỉ” không phát vào những ngày này, trên mọi hộp.',
    'hd.day': 'Ngày', 'hd.name': 'Tên ngày', 'hd.set_on': 'Đặt tại', 'hd.hub': 'trung tâm', 'hd.add': 'Thêm ngày nghỉ',
    'hd.added': 'Đã thêm ngày nghỉ; các hộp đang nhận.', 'hd.removed': 'Đã bỏ ngày nghỉ.', 'hd.none': 'Chưa có ngày nghỉ nào.',
    'a.holiday.add': 'Thêm ngày nghỉ', 'a.holiday.remove': 'Bỏ ngày nghỉ', 'a.holiday.refused': 'Bị từ chối: ngày nghỉ',
    'pl.title': 'Danh sách phát', 'pl.help': 'Chọn lần lượt các tệp theo thứ tự phát (ví dụ: nhạc hiệu, bản tin, nhạc hiệu), đặt tên rồi lưu.',
    'pl.name': 'Tên danh sách', 'pl.pick': 'Tệp', 'pl.add': 'Thêm vào danh sách', 'pl.save': 'Lưu danh sách', 'pl.saved': 'Đã lưu danh sách phát.',
    'pl.items': 'Các mục', 'pl.empty': 'Trung tâm chưa có danh sách phát nào.', 'pl.ask': 'Xóa danh sách phát này?', 'bt.one': 'Một tệp',
    'a.playlist.put': 'Lưu danh sách phát', 'a.playlist.remove': 'Xóa danh sách phát', 'a.playlist.refused': 'Bị từ chối: danh sách phát',
    'a.media.upload': 'Tải tệp lên thư viện', 'a.media.remove': 'Xóa tệp khỏi thư viện', 'a.media.refused': 'Bị từ chối: tệp thư viện',
    'dc.waiting_for_box': 'Hộp chưa nhận', 'dc.commune_first': 'Khi trùng giờ, xã phát trước lịch của xã:', 'dc.unknown': 'Chưa rõ', decided: 'Lúc quyết định', level: 'Mức',
    'a.bulletin.draft': 'Soạn bản tin (nháp)', 'a.bulletin.publish': 'Phát hành bản tin', 'a.bulletin.withdraw': 'Thu hồi bản tin',
    'a.bulletin.discard': 'Bỏ bản nháp', 'a.bulletin.refused': 'Bị từ chối: vượt phạm vi được giao',
    'a.manifest.publish': 'Phát hành vào thư mục (loaxa publish)',
  },
  en: {
    hub: 'Province hub', lang: 'Tiếng Việt', logout: 'Log out',
    'nav.fleet': 'Boxes', 'nav.map': 'Map', 'nav.alerts': 'Alerts', 'nav.report': 'Reports',
    'login.title': 'Log in', 'login.help': 'Province and district staff log in with a name and password, or an access token.',
    'login.name': 'User name', 'login.password': 'Password', 'login.token': 'Or access token', 'login.submit': 'Log in',
    'login.bad': 'Wrong name, password or token',
    box: 'Box', commune: 'Commune', district: 'District', online: 'Online', offline: 'Offline', onair: 'On air',
    lastseen: 'Last seen', version: 'Version', clock: 'Clock', disk: 'Disk free', alerts: 'Alerts',
    synced: 'synchronised', unsynced: 'not synchronised', idle: 'idle', none: '—', since: 'Since', message: 'Message',
    chain: 'Log chain', intact: 'intact', broken: 'broken', rows: 'rows', history: 'Status history',
    recent: 'Recent plays', period: 'Period', by: 'By', show: 'Show', download: 'Download',
    plays: 'Plays', airtime: 'Airtime', planned: 'Planned', compliance: 'Compliance', boxes: 'Boxes',
    silent: 'Silent boxes', total: 'Total', noalerts: 'No alerts.', error: 'Error',
    'by.district': 'District', 'by.commune': 'Commune', 'by.box': 'Box', 'by.topic': 'Topic', 'by.channel': 'Channel', 'by.day': 'Day',
    'by.district,topic': 'District × topic', 'by.commune,topic': 'Commune × topic',
    nomap: 'No box has coordinates (lat, lon) yet.', title: 'Title', status: 'Status', start: 'Start',
    scope: 'Scope', counted: 'boxes counted',
    'nav.emergency': 'Emergencies', noemergency: 'No emergency has been published through the hub yet.',
    published: 'Published', valid: 'Valid until', withdrawn: 'Withdrawn', targets: 'Targets', everywhere: 'Whole province',
    received: 'Received', aired: 'Aired', 'st.airing': 'Airing', 'st.aired': 'Aired', 'st.not_yet': 'Not yet',
    'st.offline': 'Offline', 'st.not_aired': 'Not aired', ended: 'Ended', channels: 'Channels', receipts: 'Receipts from the boxes',
    live: 'Refreshes every 2 seconds', 'rs.completed': 'played in full', 'rs.stopped': 'stopped', 'rs.preempted': 'pre-empted', 'rs.failed': 'failed',
    'rs.interrupted': 'interrupted', 'rs.missed': 'missed',
    'is.title': 'Issue an emergency', 'is.text': 'Words (shown on screens, read by staff)', 'is.media': 'Sound on the loudspeakers',
    'is.where': 'To the districts', 'is.minutes': 'Valid for (minutes)', 'is.confirm': 'No district chosen sends to the whole province: type', 'is.send': 'Issue now',
    'is.sent': 'Published; the boxes are receiving it.', withdraw: 'Withdraw it', 'withdraw.ask': 'Withdraw this emergency on every box?',
    'withdraw.done': 'Withdrawn.',
    'nav.audit': 'Audit log', 'au.help': 'Who did what, when, from which address (the latest 500 actions).',
    'au.at': 'When', 'au.who': 'Who', 'au.remote': 'Address', 'au.action': 'Action', 'au.detail': 'Detail',
    'a.login': 'Logged in', 'a.box.add': 'Added a box', 'a.box.rm': 'Removed a box', 'a.box.import': 'Imported boxes',
    'a.user.add': 'Added or changed a user', 'a.emergency.issue': 'Issued an emergency',
    'a.emergency.withdraw': 'Withdrew an emergency', 'a.emergency.refused': 'Refused: beyond the caller\'s reach',
    'nav.bulletin': 'Bulletins', nobulletin: 'No bulletin has been drafted on the hub yet.',
    'bt.title': 'Draft a bulletin', 'bt.name': 'Title (empty: the file\'s)', 'bt.media': 'What airs',
    'bt.level': 'Level', 'lv.normal': 'Normal (the commune decides)', 'lv.priority': 'Priority (airs as scheduled)',
    'bt.start': 'Airs at (the commune\'s time)', 'bt.daily': 'Every day', 'bt.communes': 'Tick communes to send to those only; none ticked sends to the whole district.', 'bt.until': 'Until (when repeated)',
    'bt.draft': 'Save draft and preview', 'bt.publish': 'Sign and publish', 'bt.discard': 'Discard the draft',
    'bt.withdraw': 'Withdraw the bulletin', 'bt.preview': 'Preview: the bulletin reaches these boxes', 'bt.decisions': 'What the communes decided',
    'bt.published': 'Signed and published; the boxes are receiving it.', 'bt.ask': 'Sign this bulletin with the province key and send it to these boxes?',
    'bs.draft': 'Draft', 'bs.published': 'Published', 'bs.withdrawn': 'Withdrawn',
    'dc.accepted': 'Accepted', 'dc.rejected': 'Rejected', 'dc.waiting': 'Waiting for the commune', 'dc.airs': 'Airs as scheduled',
    'nav.library': 'Library', 'lb.upload': 'Upload a file to the library', 'lb.file': 'Sound, picture or video file',
    'lb.name': 'Title (empty: the file\'s name)', 'lb.topic': 'Topic', 'lb.send': 'Upload and check',
    'lb.help': 'Each file is checked (does it play, how long, how loud) before it enters the library; it reaches the boxes only when a bulletin or an emergency that plays it is published.',
    'lb.checking': 'Uploading and checking…', 'lb.done': 'Added to the library:', 'lb.empty': 'The hub\'s library holds no file yet.',
    'lb.kind': 'Kind', 'lb.length': 'Length', 'lb.loudness': 'Loudness (LUFS)', 'lb.by': 'Uploaded by', 'lb.at': 'Uploaded at',
    'lb.use': 'In use', 'lb.remove': 'Remove', 'lb.ask': 'Remove this file from the library?', 'lb.removed': 'Removed from the library.',
    'lb.mine': 'library', 'k.audio': 'Sound', 'k.video': 'Video', 'k.image': 'Picture', yes: 'Yes', no: 'No',
    'hd.title': 'Days off', 'hd.help': 'Schedules marked “skip holidays” do not air on these days, on every box.',
    'hd.day': 'Day', 'hd.name': 'Name', 'hd.set_on': 'Set on', 'hd.hub': 'the hub', 'hd.add': 'Add a day off',
    'hd.added': 'Day off added; the boxes are receiving it.', 'hd.removed': 'Day off removed.', 'hd.none': 'No day off yet.',
    'a.holiday.add': 'Add a day off', 'a.holiday.remove': 'Remove a day off', 'a.holiday.refused': 'Refused: day off',
    'pl.title': 'Playlists', 'pl.help': 'Pick the files one after another in the order they play (e.g. a chime, the bulletin, a chime), name it and save.',
    'pl.name': 'Playlist name', 'pl.pick': 'File', 'pl.add': 'Add to the playlist', 'pl.save': 'Save the playlist', 'pl.saved': 'Playlist saved.',
    'pl.items': 'Items', 'pl.empty': 'The hub has no playlist yet.', 'pl.ask': 'Remove this playlist?', 'bt.one': 'One file',
    'a.playlist.put': 'Save a playlist', 'a.playlist.remove': 'Remove a playlist', 'a.playlist.refused': 'Refused: playlist',
    'a.media.upload': 'Upload to the library', 'a.media.remove': 'Remove from the library', 'a.media.refused': 'Refused: library file',
    'dc.waiting_for_box': 'Not received yet', 'dc.commune_first': 'Where they meet, the commune airs first its own', 'dc.unknown': 'Unknown', decided: 'Decided at', level: 'Level',
    'a.bulletin.draft': 'Drafted a bulletin', 'a.bulletin.publish': 'Published a bulletin', 'a.bulletin.withdraw': 'Withdrew a bulletin',
    'a.bulletin.discard': 'Discarded a draft', 'a.bulletin.refused': 'Refused: beyond the caller\'s reach',
    'a.manifest.publish': 'Published into the folder (loaxa publish)',
  },
};
let lang = localStorage.getItem('loaxa.lang') || 'vi';
const t = (k) => (T[lang] && T[lang][k]) || T.vi[k] || k;
const $ = (sel) => document.querySelector(sel);
const page = () => $('#page');
const TOKEN = 'loaxa.hub.token';
let me = null;

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}
const svg = (tag, attrs = {}, ...children) => {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c));
  return e;
};

async function api(path) {
  const r = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + (localStorage.getItem(TOKEN) || '') } });
  if (r.status === 401) { showLogin(); throw new Error(t('login.bad')); }
  const data = await r.json();
  if (!r.ok) throw new Error(data.error ? data.error.message : r.statusText);
  return data;
}

async function download(path, name) {
  const r = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN) } });
  if (!r.ok) return;
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const table = (head, rows) => h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), h('tbody', {}, rows)));
const pill = (cls, text) => h('span', { class: 'pill ' + cls }, text);
const mb = (b) => (b == null ? t('none') : Math.round(b / 1048576).toLocaleString(lang) + ' MB');
const when = (iso) => (iso ? new Date(iso).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh' }) : t('none'));
const bar = (percent) => { const b = h('div', { class: 'bar' }); b.style.width = percent.toFixed(1) + '%'; return b; };

function onAir(b) {
  const playing = (b.channels || []).filter((c) => c.state === 'playing');
  return playing.length ? playing.map((c) => c.name + ': ' + (c.now || '')).join('; ') : t('idle');
}

const pages = {
  // The audit log (admins: the API refuses anyone else, and the menu shows it only to them).
  async 'nhat-ky'() {
    const rows = await api('/audit');
    return [h('h1', {}, t('nav.audit')), h('p', {}, t('au.help')),
      table([t('au.at'), t('au.who'), t('au.remote'), t('au.action'), t('au.detail')],
        rows.map((r) => h('tr', { 'data-action': r.action },
          h('td', {}, when(r.at)), h('td', {}, r.who), h('td', {}, r.remote),
          h('td', {}, T[lang]['a.' + r.action] || r.action), h('td', {}, r.detail))))];
  },
  async 'doi-hop'() {
    const boxes = await api('/boxes');
    const districts = new Map();
    for (const b of boxes) {
      if (!districts.has(b.district)) districts.set(b.district, []);
      districts.get(b.district).push(b);
    }
    const out = [h('h1', {}, t('nav.fleet') + ' (' + boxes.length + ')')];
    for (const [district, list] of districts) {
      const on = list.filter((b) => b.online).length;
      out.push(h('h2', {}, t('district') + ' ' + district + ' — ' + on + '/' + list.length + ' ' + t('online').toLowerCase()));
      out.push(table([t('commune'), t('box'), t('online'), t('onair'), t('lastseen'), t('version'), t('clock'), t('disk'), t('alerts')],
        list.map((b) => h('tr', { 'data-box': b.id },
          h('td', {}, b.commune), h('td', {}, h('a', { href: '#hop/' + b.id }, b.name)),
          h('td', {}, b.online ? pill('completed', t('online')) : pill('failed', t('offline'))),
          h('td', {}, onAir(b)), h('td', {}, when(b.last_seen)), h('td', {}, b.version || t('none')),
          h('td', {}, b.clock_synced === false ? pill('failed', t('unsynced')) : b.clock_synced ? t('synced') : t('none')),
          h('td', {}, mb(b.disk_free_bytes)),
          h('td', {}, (b.alerts || []).length ? pill('failed', String(b.alerts.length)) : '0')))));
    }
    return out;
  },

  async hop(id) {
    const [b, chain, rows] = await Promise.all([api('/boxes/' + id), api('/boxes/' + id + '/chain'),
      fetch('/api/v1/airtime?format=json&limit=20&box=' + encodeURIComponent(id), { headers: { Authorization: 'Bearer ' + localStorage.getItem(TOKEN) } }).then((r) => r.json())]);
    return [h('h1', {}, b.name + ' — ' + b.commune + ', ' + b.district),
      h('div', { class: 'card' },
        h('p', {}, (b.online ? pill('completed', t('online')) : pill('failed', t('offline'))), ' ', t('lastseen') + ': ' + when(b.last_seen)),
        h('p', {}, t('onair') + ': ' + onAir(b)),
        h('p', {}, t('chain') + ': ', chain.verified ? pill('completed', t('intact')) : pill('failed', t('broken')), ' ' + chain.rows.toLocaleString(lang) + ' ' + t('rows'))),
      h('h2', {}, t('alerts')),
      b.alerts.length ? table([t('since'), t('message')], b.alerts.map((a) => h('tr', {}, h('td', {}, when(a.since)), h('td', {}, a.message)))) : h('p', { class: 'muted' }, t('noalerts')),
      h('h2', {}, t('recent')),
      table([t('start'), t('title'), t('status')], rows.map((r) => h('tr', {}, h('td', {}, when(r.actual_start || r.planned_start)), h('td', {}, r.title), h('td', {}, pill(r.status, r.status))))),
      h('h2', {}, t('history')),
      table([t('lastseen'), t('onair'), t('disk')], b.history.map((s) => h('tr', {}, h('td', {}, when(s.at)),
        h('td', {}, (s.status.channels || []).map((c) => c.name + ': ' + c.state).join('; ')),
        h('td', {}, mb(s.status.disk && s.status.disk.free_bytes)))))];
  },

  async 'ban-do'() {
    const boxes = (await api('/boxes')).filter((b) => b.lat != null && b.lon != null);
    if (!boxes.length) return [h('h1', {}, t('nav.map')), h('p', { class: 'muted' }, t('nomap'))];
    const lats = boxes.map((b) => b.lat), lons = boxes.map((b) => b.lon);
    const [x0, x1, y0, y1] = [Math.min(...lons) - 0.05, Math.max(...lons) + 0.05, Math.min(...lats) - 0.05, Math.max(...lats) + 0.05];
    const W = 800, H = 600;
    const sx = (lon) => ((lon - x0) / (x1 - x0)) * W, sy = (lat) => H - ((lat - y0) / (y1 - y0)) * H;
    const map = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': t('nav.map') },
      svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#eef2f5' }));
    for (const b of boxes) {
      const g = svg('a', { href: '#hop/' + b.id });
      g.append(svg('circle', { cx: sx(b.lon), cy: sy(b.lat), r: 9, fill: b.online ? '#1d6b36' : '#a3121b' }, svg('title', {}, b.name)));
      g.append(svg('text', { x: sx(b.lon) + 12, y: sy(b.lat) + 4, 'font-size': 14 }, b.commune));
      map.append(g);
    }
    return [h('h1', {}, t('nav.map')), h('div', { class: 'card' }, map)];
  },

  async 'canh-bao'() {
    const alerts = await api('/alerts');
    return [h('h1', {}, t('nav.alerts') + ' (' + alerts.length + ')'),
      alerts.length ? table([t('since'), t('box'), t('message')], alerts.map((a) => h('tr', { class: 'alert-' + a.kind },
        h('td', {}, when(a.since)), h('td', {}, h('a', { href: '#hop/' + a.box }, a.box)), h('td', {}, a.message))))
        : h('p', { class: 'muted' }, t('noalerts'))];
  },

  async 'khan-cap'(id) {
    if (id) return emergencyPage(decodeURIComponent(id));
    const [list, opts] = await Promise.all([api('/emergencies'), api('/publish')]);
    return [h('h1', {}, t('nav.emergency')), opts.can_issue ? issueForm(opts) : '',
      list.length ? table([t('published'), t('message'), t('targets'), t('valid'), t('received'), t('aired')], list.map((e) => h('tr', { 'data-emergency': e.id },
        h('td', {}, when(e.published_at)), h('td', {}, h('a', { href: '#khan-cap/' + encodeURIComponent(e.id) }, e.text || e.id)),
        h('td', {}, targetsText(e.targets)),
        h('td', {}, e.withdrawn_at ? pill('stopped', t('withdrawn') + ' ' + when(e.withdrawn_at)) : when(e.valid_until)),
        h('td', {}, e.received + '/' + e.boxes), h('td', {}, e.aired + '/' + e.boxes))))
        : h('p', { class: 'muted' }, t('noemergency'))];
  },

  async 'ban-tin'(id) {
    if (id) return bulletinPage(decodeURIComponent(id));
    const [list, opts, days] = await Promise.all([api('/bulletins'), api('/publish'), api('/holidays')]);
    return [h('h1', {}, t('nav.bulletin')), opts.can_issue ? bulletinForm(opts) : '', holidayCard(days, opts),
      list.length ? table([t('title'), t('level'), t('start'), t('targets'), t('status'), t('dc.accepted'), t('dc.rejected')], list.map((b) => h('tr', { 'data-bulletin': b.id },
        h('td', {}, h('a', { href: '#ban-tin/' + encodeURIComponent(b.id) }, b.title)), h('td', {}, t('lv.' + b.entry.level)),
        h('td', {}, b.entry.start.replace('T', ' ') + (b.entry.rrule ? ' ↻' : '')), h('td', {}, targetsText(b.targets)),
        h('td', {}, pill(b.state === 'published' ? 'completed' : b.state === 'draft' ? 'waiting' : 'stopped', t('bs.' + b.state))),
        h('td', {}, b.summary.accepted + '/' + b.summary.boxes), h('td', {}, String(b.summary.rejected)))))
        : h('p', { class: 'muted' }, t('nobulletin'))];
  },

  // The hub's media library: upload (checked on the hub before it is kept), what is in it.
  async 'thu-vien'() {
    const [list, who, opts, lists] = await Promise.all([api('/media'), api('/whoami'), api('/publish'), api('/playlists')]);
    const may = who.role !== 'viewer';
    const rows = list.map((m) => h('tr', { 'data-media': m.id },
      h('td', {}, m.title), h('td', {}, t('k.' + m.kind)), h('td', {}, m.duration_ms == null ? t('none') : seconds(m.duration_ms)),
      h('td', {}, m.lufs == null ? t('none') : m.lufs.toFixed(1)), h('td', {}, m.uploaded_by), h('td', {}, when(m.uploaded_at)),
      h('td', {}, m.in_use ? t('yes') : t('no')),
      h('td', {}, may && !m.in_use && (who.role === 'admin' || m.district === who.district)
        ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
          if (!window.confirm(t('lb.ask'))) return;
          try { await send('DELETE', '/media/' + encodeURIComponent(m.id)); toast(t('lb.removed')); route(); } catch (e) { toast(t('error') + ': ' + e.message); }
        } }, t('lb.remove')) : '')));
    const mine = (x) => may && !x.in_use && (who.role === 'admin' || x.district === who.district);
    const listRows = lists.map((p) => h('tr', { 'data-playlist': p.id },
      h('td', {}, p.title), h('td', {}, p.items.join(', ')), h('td', {}, p.created_by), h('td', {}, p.in_use ? t('yes') : t('no')),
      h('td', {}, mine(p) ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
        if (!window.confirm(t('pl.ask'))) return;
        try { await send('DELETE', '/playlists/' + encodeURIComponent(p.id)); toast(t('lb.removed')); route(); } catch (e) { toast(t('error') + ': ' + e.message); }
      } }, t('lb.remove')) : '')));
    return [h('h1', {}, t('nav.library')), may ? uploadForm(opts) : '',
      rows.length ? table([t('title'), t('lb.kind'), t('lb.length'), t('lb.loudness'), t('lb.by'), t('lb.at'), t('lb.use'), ''], rows)
        : h('p', { class: 'muted' }, t('lb.empty')),
      h('h2', {}, t('pl.title')), may ? playlistForm(opts) : '',
      listRows.length ? table([t('title'), t('pl.items'), t('lb.by'), t('lb.use'), ''], listRows) : h('p', { class: 'muted' }, t('pl.empty'))];
  },

  async 'bao-cao'() {
    const now = new Date(Date.now() + 7 * 3600e3);
    const period = h('input', { id: 'rp-period', value: now.getUTCFullYear() + '-Q' + (Math.floor(now.getUTCMonth() / 3) + 1) });
    const by = h('select', { id: 'rp-by' }, ['commune', 'district', 'box', 'topic', 'commune,topic', 'district,topic', 'channel', 'day'].map((b) => h('option', { value: b }, t('by.' + b))));
    const out = h('div', { id: 'report' });
    const q = () => 'period=' + encodeURIComponent(period.value) + '&by=' + encodeURIComponent(by.value);
    const show = async () => {
      try {
        const r = await api('/reports/airtime?' + q());
        const max = Math.max(1, ...r.lines.map((l) => l.airtime_s || 0));
        const row = (l, cls) => h('tr', { class: cls }, h('td', {}, l.label || l.key), h('td', {}, String(l.plays)), h('td', {}, l.airtime_hms),
          h('td', {}, l.compliance == null ? t('none') : (100 * l.compliance).toFixed(1) + ' %'), h('td', {}, String(l.boxes)), h('td', {}, String(l.boxes_silent)),
          h('td', { class: 'bar-cell' }, cls ? '' : bar(100 * (l.airtime_s || 0) / max)));
        out.replaceChildren(h('p', { class: 'muted' }, r.scope + ' — ' + r.from + ' – ' + r.to + ' — ' + r.total.boxes + ' ' + t('counted')),
          table([t('by'), t('plays'), t('airtime'), t('compliance'), t('boxes'), t('silent'), ''], [...r.lines.map((l) => row(l, '')), row({ ...r.total, label: t('total') }, 'total')]));
      } catch (e) { out.replaceChildren(h('p', { class: 'error' }, t('error') + ': ' + e.message)); }
    };
    await show();
    return [h('h1', {}, t('nav.report')), h('form', { class: 'grid card', onsubmit: (ev) => { ev.preventDefault(); show(); } },
      h('label', {}, t('period') + ' (2022-Q3, 2022-H1, 2022)', period), h('label', {}, t('by'), by), h('button', { type: 'submit' }, t('show')),
      h('button', { type: 'button', class: 'secondary', id: 'rp-xlsx', onclick: () => download('/reports/airtime?format=xlsx&' + q(), 'bao-cao-' + period.value + '.xlsx') }, t('download') + ' XLSX'),
      h('button', { type: 'button', class: 'secondary', onclick: () => download('/reports/airtime?format=csv&' + q(), 'bao-cao-' + period.value + '.csv') }, t('download') + ' CSV')), out];
  },
};

async function send(method, path, body) {
  const r = await fetch('/api/v1' + path, { method, headers: { Authorization: 'Bearer ' + (localStorage.getItem(TOKEN) || ''), 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined });
  const data = await r.json();
  if (!r.ok) throw new Error(data.error ? data.error.message : r.statusText);
  return data;
}

function toast(text) {
  const el = $('#toast');
  el.textContent = text; el.hidden = false;
  setTimeout(() => { el.hidden = true; }, 4000);
}

// The officer's form: words, a sound of the served manifest, its districts (a district
// officer: its own, fixed), how long. Nothing is sent to the whole province unless the
// province's admin types the confirmation word.
function issueForm(opts) {
  const text = h('textarea', { id: 'is-text', rows: 3, required: true });
  const media = h('select', { id: 'is-media' }, mediaOptions(opts));
  const boxes = opts.districts.map((d) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'is-district', value: d.id, checked: !opts.province_wide, disabled: !opts.province_wide }), ' ' + d.name));
  const minutes = h('input', { id: 'is-minutes', type: 'number', min: 1, max: 1440, value: 60 });
  const confirm = h('input', { id: 'is-confirm', autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = async (ev) => {
    ev.preventDefault();
    const districts = [...document.querySelectorAll('input[name=is-district]:checked')].map((c) => c.value);
    try {
      const r = await send('POST', '/emergencies', { text: text.value, media: media.value, valid_minutes: Number(minutes.value),
        targets: districts.length ? { districts } : null, confirm: confirm.value });
      toast(t('is.sent'));
      location.hash = '#khan-cap/' + encodeURIComponent(r.id);
    } catch (e) { error.textContent = e.message; }
  };
  return h('form', { class: 'card grid', id: 'issue', onsubmit: submit }, h('h2', {}, t('is.title')),
    h('label', {}, t('is.text'), text), h('label', {}, t('is.media'), media),
    h('fieldset', {}, h('legend', {}, t('is.where')), ...boxes), h('label', {}, t('is.minutes'), minutes),
    opts.province_wide ? h('label', {}, t('is.confirm') + ' “' + opts.confirm_word + '”', confirm) : '',
    h('button', { type: 'submit', class: 'big-danger' }, t('is.send')), error);
}

const seconds = (ms) => { const s = Math.round(ms / 1000); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); };
// The media in a form's list: the library's marked as such.
const mediaOptions = (opts) => opts.media.map((m) => h('option', { value: m.id }, (m.title || m.id) + (m.library ? ' (' + t('lb.mine') + ')' : '')));

// An upload with its progress (XMLHttpRequest: fetch reports none), streamed as the
// file's bytes; the hub answers once it has checked the file.
function uploadForm(opts) {
  const file = h('input', { id: 'lb-file', type: 'file', accept: 'audio/*,video/*,image/*', required: true });
  const title = h('input', { id: 'lb-name', maxlength: 500 });
  const topic = h('select', { id: 'lb-topic' }, h('option', { value: '' }, t('none')),
    (opts.topics || []).map((x) => h('option', { value: x.key }, x.label)));
  const progress = h('progress', { id: 'lb-progress', max: 100, value: 0, hidden: true });
  const state = h('p', { id: 'lb-state', class: 'muted', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) return;
    error.textContent = '';
    const q = new URLSearchParams({ filename: f.name, title: title.value, topic: topic.value });
    const x = new XMLHttpRequest();
    x.open('PUT', '/api/v1/media?' + q);
    x.setRequestHeader('Authorization', 'Bearer ' + (localStorage.getItem(TOKEN) || ''));
    x.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; };
    x.onload = () => {
      progress.hidden = true;
      let data = {};
      try { data = JSON.parse(x.responseText); } catch { /* not JSON: the status says it */ }
      if (x.status === 201) { toast(t('lb.done') + ' ' + data.title); route(); return; }
      state.textContent = '';
      error.textContent = data.error ? data.error.message : x.status + ' ' + x.statusText;
    };
    x.onerror = () => { progress.hidden = true; state.textContent = ''; error.textContent = t('error'); };
    progress.hidden = false; progress.value = 0;
    state.textContent = t('lb.checking');
    x.send(f);
  };
  return h('form', { class: 'card grid', id: 'upload', onsubmit: submit }, h('h2', {}, t('lb.upload')),
    h('p', { class: 'muted' }, t('lb.help')),
    h('label', {}, t('lb.file'), file), h('label', {}, t('lb.name'), title), h('label', {}, t('lb.topic'), topic),
    h('button', { type: 'submit' }, t('lb.send')), progress, state, error);
}

// Days off (Tết, 30/4, 2/9…): schedules that ask skip them on every box. The province's
// admin sets them; everyone sees them.
function holidayCard(days, opts) {
  const day = h('input', { id: 'hd-day', type: 'date', required: true });
  const name = h('input', { id: 'hd-name', maxlength: 200, required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const add = async (ev) => {
    ev.preventDefault();
    try { await send('POST', '/holidays', { day: day.value, name: name.value }); toast(t('hd.added')); route(); } catch (e) { error.textContent = e.message; }
  };
  const admin = opts.province_wide && opts.can_issue;
  return h('div', { class: 'card', id: 'holidays' }, h('h2', {}, t('hd.title')), h('p', { class: 'muted' }, t('hd.help')),
    days.length ? table([t('hd.day'), t('hd.name'), t('hd.set_on'), ''], days.map((d) => h('tr', { 'data-holiday': d.day },
      h('td', {}, d.day), h('td', {}, d.name), h('td', {}, d.set_on === 'hub' ? t('hd.hub') : 'province.toml'),
      h('td', {}, admin && d.set_on === 'hub' ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
        try { await send('DELETE', '/holidays/' + d.day); toast(t('hd.removed')); route(); } catch (e) { toast(t('error') + ': ' + e.message); }
      } }, t('lb.remove')) : '')))) : h('p', { class: 'muted' }, t('hd.none')),
    admin ? h('form', { class: 'grid', id: 'holiday', onsubmit: add }, h('label', {}, t('hd.day'), day), h('label', {}, t('hd.name'), name),
      h('button', { type: 'submit' }, t('hd.add')), error) : '');
}

// A playlist: a name and media picked one after another, in the order they play.
function playlistForm(opts) {
  const title = h('input', { id: 'pl-name', maxlength: 500, required: true });
  const pick = h('select', { id: 'pl-pick' }, mediaOptions(opts));
  const chosen = [];
  const shown = h('ol', { id: 'pl-items' });
  const error = h('p', { class: 'error', role: 'alert' });
  const add = () => { chosen.push(pick.value); shown.append(h('li', {}, pick.selectedOptions[0].textContent)); };
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      await send('PUT', '/playlists/' + encodeURIComponent(slug(title.value)), { title: title.value, items: chosen });
      toast(t('pl.saved')); route();
    } catch (e) { error.textContent = e.message; }
  };
  return h('form', { class: 'card grid', id: 'playlist', onsubmit: submit }, h('p', { class: 'muted' }, t('pl.help')),
    h('label', {}, t('pl.name'), title), h('label', {}, t('pl.pick'), pick),
    h('button', { type: 'button', class: 'secondary', id: 'pl-add', onclick: add }, t('pl.add')), shown,
    h('button', { type: 'submit' }, t('pl.save')), error);
}
// An id from a Vietnamese name ("Bản tin sáng" → "ban-tin-sang"), as the hub makes ids.
const slug = (text) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
  .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'danh-sach';

// A bulletin is a draft first: saved, then previewed (which boxes it reaches), then
// signed. A district officer's districts are fixed to its own.
function bulletinForm(opts) {
  const title = h('input', { id: 'bt-name', maxlength: 500 });
  const media = h('select', { id: 'bt-media' }, h('optgroup', { label: t('bt.one') }, mediaOptions(opts)),
    (opts.playlists || []).length ? h('optgroup', { label: t('pl.title') }, opts.playlists.map((p) =>
      h('option', { value: 'playlist:' + p.id }, p.title + (p.library ? ' (' + t('lb.mine') + ')' : '')))) : '');
  const level = h('select', { id: 'bt-level' }, ['normal', 'priority'].map((l) => h('option', { value: l }, t('lv.' + l))));
  const start = h('input', { id: 'bt-start', type: 'datetime-local', step: 1, required: true });
  const daily = h('input', { id: 'bt-daily', type: 'checkbox' });
  const until = h('input', { id: 'bt-until', type: 'date' });
  // Each district with its communes (enrolled boxes): communes ticked, the bulletin goes
  // to those only; none ticked, to the whole of the districts ticked.
  const districts = opts.districts.map((d) => h('div', { class: 'district' }, h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'bt-district', value: d.id, checked: !opts.province_wide, disabled: !opts.province_wide }), ' ' + d.name),
    (opts.boxes || []).filter((b) => b.district === d.id).sort((a, b) => a.commune.localeCompare(b.commune, 'vi')).map((b) => h('label', { class: 'check commune' },
      h('input', { type: 'checkbox', name: 'bt-box', value: b.id }), ' ' + t('commune') + ' ' + b.commune))));
  const confirm = h('input', { id: 'bt-confirm', autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = async (ev) => {
    ev.preventDefault();
    const communes = [...document.querySelectorAll('input[name=bt-box]:checked')].map((c) => c.value);
    const chosen = [...document.querySelectorAll('input[name=bt-district]:checked')].map((c) => c.value);
    const at = start.value.length === 16 ? start.value + ':00' : start.value;
    try {
      const list = media.value.startsWith('playlist:') ? media.value.slice(9) : '';
      const r = await send('POST', '/bulletins', { title: title.value, media: list ? '' : media.value, playlist: list, level: level.value, start: at,
        rrule: daily.checked ? 'FREQ=DAILY' : '', until: daily.checked ? until.value : '',
        targets: communes.length ? { boxes: communes } : chosen.length ? { districts: chosen } : null, confirm: confirm.value });
      location.hash = '#ban-tin/' + encodeURIComponent(r.id);
    } catch (e) { error.textContent = e.message; }
  };
  return h('form', { class: 'card grid', id: 'bulletin', onsubmit: submit }, h('h2', {}, t('bt.title')),
    h('label', {}, t('bt.media'), media), h('label', {}, t('bt.name'), title), h('label', {}, t('bt.level'), level),
    h('label', {}, t('bt.start'), start), h('label', { class: 'check' }, daily, ' ' + t('bt.daily')), h('label', {}, t('bt.until'), until),
    h('fieldset', {}, h('legend', {}, t('is.where')), h('p', { class: 'muted' }, t('bt.communes')), ...districts),
    opts.province_wide ? h('label', {}, t('is.confirm') + ' “' + opts.confirm_word + '”', confirm) : '',
    h('button', { type: 'submit' }, t('bt.draft')), error);
}

const DECISION_PILL = { accepted: 'completed', rejected: 'failed', waiting: 'waiting', airs: 'playing', waiting_for_box: 'waiting', unknown: 'stopped' };

// One bulletin: a draft's preview (the boxes it reaches) and its publish button, or a
// published one's decisions commune by commune.
async function bulletinPage(id) {
  const b = await api('/bulletins/' + encodeURIComponent(id));
  const act = (method, path, ask, done) => async () => {
    if (ask && !window.confirm(ask)) return;
    try { await send(method, path); toast(done); route(); } catch (e) { toast(t('error') + ': ' + e.message); }
  };
  const path = '/bulletins/' + encodeURIComponent(b.id);
  const counts = ['accepted', 'rejected', 'waiting', 'airs', 'waiting_for_box', 'unknown'].filter((k) => b.summary[k])
    .map((k) => pill(DECISION_PILL[k], t('dc.' + k) + ': ' + b.summary[k]));
  return [h('h1', {}, t('nav.bulletin') + ': ' + b.title),
    h('div', { class: 'card' },
      h('p', {}, pill(b.state === 'published' ? 'completed' : b.state === 'draft' ? 'waiting' : 'stopped', t('bs.' + b.state)),
        ' ' + t('lv.' + b.entry.level) + ' — ' + t('start') + ': ' + b.entry.start.replace('T', ' ') + (b.entry.rrule ? ' (' + b.entry.rrule + ')' : '')),
      h('p', {}, t('targets') + ': ' + targetsText(b.targets)),
      h('p', { id: 'decision-summary' }, ...counts.flatMap((c) => [c, ' ']))),
    b.state === 'draft' ? h('button', { type: 'button', id: 'bt-publish', class: 'big-danger', onclick: act('POST', path + '/publish', t('bt.ask'), t('bt.published')) }, t('bt.publish')) : '',
    b.state !== 'withdrawn' ? h('button', { type: 'button', class: 'secondary', id: 'bt-withdraw',
      onclick: act('DELETE', path, b.state === 'draft' ? '' : t('bt.withdraw') + '?', t('withdraw.done')) }, t(b.state === 'draft' ? 'bt.discard' : 'bt.withdraw')) : '',
    h('h2', {}, t(b.state === 'draft' ? 'bt.preview' : 'bt.decisions')),
    table([t('district'), t('commune'), t('box'), t('status'), t('start'), t('decided')],
      b.boxes.map((x) => h('tr', { 'data-box': x.box, 'data-decision': x.decision },
        h('td', {}, x.district), h('td', {}, x.commune), h('td', {}, h('a', { href: '#hop/' + x.box }, x.name)),
        h('td', {}, b.state === 'draft' ? t('bs.draft') : pill(DECISION_PILL[x.decision], t('dc.' + x.decision)),
          x.commune_first ? h('div', { class: 'muted', 'data-commune-first': x.commune_first }, t('dc.commune_first') + ' ' + x.commune_first) : ''),
        h('td', {}, (x.start || '').replace('T', ' ')), h('td', {}, x.decided_at ? when(x.decided_at) : t('none')))))];
}

const targetsText = (tg) => {
  const parts = [...(tg.district_names || tg.districts || []).map((d) => t('district') + ' ' + d), ...(tg.boxes || []).map((b, i) => (tg.box_names && tg.box_names[i] !== b ? t('commune') + ' ' + tg.box_names[i] : b))];
  return parts.length ? parts.join(', ') : t('everywhere');
};
const STATE_PILL = { airing: 'playing', aired: 'completed', not_yet: 'waiting', offline: 'failed', not_aired: 'failed' };

// One emergency and every targeted box's receipt, refreshed while the page is open.
async function emergencyPage(id) {
  const r = await api('/emergencies/' + encodeURIComponent(id) + '/receipts');
  const counts = ['airing', 'aired', 'not_yet', 'offline', 'not_aired'].filter((k) => r.summary[k])
    .map((k) => pill(STATE_PILL[k], t('st.' + k) + ': ' + r.summary[k]));
  const out = [h('h1', {}, t('nav.emergency') + ': ' + (r.text || r.id)),
    h('div', { class: 'card' },
      h('p', {}, t('published') + ': ' + when(r.published_at) + ' — ' + t('valid') + ': ' + when(r.valid_until)
        + (r.withdrawn_at ? ' — ' + t('withdrawn') + ': ' + when(r.withdrawn_at) : '')),
      h('p', {}, t('targets') + ': ' + targetsText(r.targets)),
      h('p', { id: 'receipt-summary' }, ...counts.flatMap((c) => [c, ' ']))),
    r.issued_by && !r.over ? h('button', { type: 'button', class: 'secondary', id: 'withdraw', onclick: async () => {
      if (!window.confirm(t('withdraw.ask'))) return;
      try { await send('DELETE', '/emergencies/' + encodeURIComponent(r.id)); toast(t('withdraw.done')); route(); } catch (e) { toast(t('error') + ': ' + e.message); }
    } }, t('withdraw')) : '',
    h('h2', {}, t('receipts')), h('p', { class: 'muted' }, t('live')),
    table([t('district'), t('commune'), t('box'), t('status'), t('received'), t('start'), t('ended'), t('channels')],
      r.boxes.map((b) => h('tr', { 'data-box': b.box, 'data-state': b.state },
        h('td', {}, b.district), h('td', {}, b.commune), h('td', {}, h('a', { href: '#hop/' + b.box }, b.name)),
        h('td', {}, pill(STATE_PILL[b.state], t('st.' + b.state)), b.status ? ' (' + t('rs.' + b.status) + ')' : ''),
        h('td', {}, when(b.received_at)), h('td', {}, when(b.started_at)), h('td', {}, when(b.ended_at)),
        h('td', {}, (b.airing_on && b.airing_on.length ? b.airing_on : b.channels || []).join(', ') || t('none')))))];
  return out;
}

function translate() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

function showLogin() {
  $('#login').hidden = false;
  $('#nav-audit').hidden = true;
  page().replaceChildren();
  $('#logout').hidden = true;
}

let routeSeq = 0;
async function route() {
  const seq = ++routeSeq;
  const [name, arg] = (location.hash || '#doi-hop').slice(1).split('/');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === '#' + name);
  if (!localStorage.getItem(TOKEN)) return showLogin();
  try {
    if (!me) me = await api('/whoami');
    $('#nav-audit').hidden = me.role !== 'admin';
    $('#login').hidden = true;
    $('#logout').hidden = false;
    const content = await (pages[name] || pages['doi-hop'])(arg);
    if (seq === routeSeq) page().replaceChildren(...[content].flat());
  } catch (e) {
    if (seq === routeSeq && localStorage.getItem(TOKEN)) page().replaceChildren(h('p', { class: 'error' }, t('error') + ': ' + e.message));
  }
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  me = null;
  try {
    let token = $('#token').value.trim();
    if (!token) {
      const r = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: $('#name').value.trim(), password: $('#password').value }) });
      const data = await r.json();
      if (!r.ok) throw new Error(r.status === 401 ? t('login.bad') : data.error.message);
      token = data.token;
    }
    localStorage.setItem(TOKEN, token);
    me = await api('/whoami');
    $('#login-error').textContent = '';
    $('#password').value = '';
    $('#token').value = '';
    route();
  } catch (e) {
    $('#login-error').textContent = e.message;
    localStorage.removeItem(TOKEN);
  }
});
$('#logout').addEventListener('click', () => { localStorage.removeItem(TOKEN); me = null; showLogin(); });
$('#lang').addEventListener('click', () => { lang = lang === 'vi' ? 'en' : 'vi'; localStorage.setItem('loaxa.lang', lang); translate(); route(); });
window.addEventListener('hashchange', route);
// (Not the Khẩn cấp list: its form holds what an officer is typing.)
setInterval(() => { if (['', '#doi-hop', '#canh-bao'].includes(location.hash) && localStorage.getItem(TOKEN)) route(); }, 15000);
// An emergency's receipts arrive within seconds: its page follows them.
setInterval(() => { if ((location.hash.startsWith('#khan-cap/') || location.hash.startsWith('#ban-tin/')) && localStorage.getItem(TOKEN)) route(); }, 2000);
translate();
route();
