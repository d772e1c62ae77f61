// loaxa operator UI: plain ES module, no framework, no network beyond the box.
// Vietnamese first; the English switch is remembered on this device.

const T = {
  vi: {
    lang: 'English', logout: 'Thoát',
    'nav.overview': 'Tổng quan', 'nav.library': 'Thư viện', 'nav.playlists': 'Danh sách phát',
    'nav.schedule': 'Lịch phát', 'nav.inbox': 'Hộp thư tỉnh', 'nav.emergency': 'Phát khẩn cấp',
    'nav.airtime': 'Nhật ký phát', 'nav.report': 'Báo cáo',
    'login.title': 'Đăng nhập', 'login.help': 'Đăng nhập bằng tên và mật khẩu, hoặc mã truy cập (token) do quản trị viên cấp.',
    'login.name': 'Tên đăng nhập', 'login.password': 'Mật khẩu', 'login.token': 'Hoặc mã truy cập', 'login.submit': 'Đăng nhập', 'login.bad': 'Tên đăng nhập, mật khẩu hoặc mã truy cập không đúng.',
    channel: 'Kênh', kind: 'Loại', state: 'Trạng thái', now: 'Đang phát', next: 'Tiếp theo',
    idle: 'im lặng', playing: 'đang phát', sync: 'Đồng bộ với tỉnh', disk: 'Ổ đĩa', free: 'trống',
    title: 'Tiêu đề', topic: 'Chủ đề', duration: 'Thời lượng', loudness: 'Độ to', id: 'Mã',
    upload: 'Tải tệp lên', uploading: 'Đang tải lên…', uploaded: 'Đã tải lên', file: 'Tệp',
    delete: 'Xoá', save: 'Lưu', items: 'Các mục (theo thứ tự)', add: 'Thêm', create: 'Tạo',
    content: 'Nội dung', start: 'Bắt đầu', days: 'Các ngày', time: 'Giờ phát', from: 'Từ ngày',
    to: 'Đến ngày', priority: 'Mức ưu tiên', rule: 'Lặp lại', origin: 'Nguồn',
    'sched.add': 'Thêm lịch phát', 'sched.list': 'Các lịch phát', 'sched.timeline': 'Lịch trong ngày',
    date: 'Ngày', status: 'Trạng thái', reason: 'Lý do', end: 'Kết thúc',
    mo: 'T2', tu: 'T3', we: 'T4', th: 'T5', fr: 'T6', sa: 'T7', su: 'CN',
    accept: 'Nhận', reject: 'Từ chối', 'inbox.empty': 'Không có bản tin nào chờ.',
    'clash.title': 'Trùng giờ với lịch của xã', 'clash.help': 'Bản tin của tỉnh trùng giờ với lịch phát của xã. Mặc định bản tin của tỉnh phát trước; xã có thể chọn phát lịch của mình trước (Thông tư 39/2020/TT-BTTTT).',
    'clash.province': 'Bản tin của tỉnh', 'clash.local': 'Lịch của xã', 'clash.at': 'Lần trùng đầu tiên', 'clash.first': 'Phát trước',
    'clash.local_first': 'Lịch của xã', 'clash.province_first': 'Bản tin của tỉnh', 'clash.make_local': 'Phát lịch của xã trước', 'clash.make_province': 'Phát bản tin của tỉnh trước',
    'em.title': 'Phát khẩn cấp', 'em.help': 'Phát trên mọi loa, kể cả giờ yên tĩnh, đè lên mọi nội dung.',
    'em.content': 'Bản tin khẩn cấp', 'em.live': 'Nói trực tiếp qua micrô', 'em.text': 'Dòng chữ hiện trên màn hình',
    'em.repeat': 'Số lần phát', 'em.start': 'PHÁT KHẨN CẤP', 'em.stop': 'Dừng phát khẩn cấp',
    'em.confirm': 'Phát khẩn cấp ngay trên mọi loa?', 'em.started': 'Đã phát khẩn cấp lúc',
    'em.stopped': 'Đã dừng phát khẩn cấp', 'em.on': 'ĐANG PHÁT KHẨN CẤP',
    'tk.title': 'Dòng chữ chạy trên màn hình', 'tk.text': 'Nội dung', 'tk.until': 'Hiện đến (bỏ trống: đến khi gỡ)',
    'tk.set': 'Đặt dòng chữ chạy', 'tk.clear': 'Gỡ dòng chữ', 'tk.now': 'Đang chạy', 'tk.none': '(không có)',
    filter: 'Lọc', download: 'Tải về', period: 'Kỳ báo cáo', by: 'Theo', plays: 'Số lần',
    airtime: 'Thời lượng phát', show: 'Xem', saved: 'Đã lưu', deleted: 'Đã xoá', error: 'Lỗi',
    'by.topic': 'chủ đề', 'by.channel': 'kênh', 'by.day': 'ngày', 'by.schedule': 'lịch', 'by.media': 'bản tin',
    'viewer': 'Bạn chỉ có quyền xem.', none: '—',
    tts: 'Đọc văn bản thành giọng nói', 'tts.go': 'Tạo bản tin đọc',
    up: 'Lên', down: 'Xuống', edit: 'Sửa', m3u: 'Nhập danh sách M3U (chọn thư mục USB)', 'm3u.go': 'Nhập',
    'pl.still': 'Ảnh hiện trong (để trống: mặc định của màn hình)',
    'kind.audio': 'âm thanh', 'kind.video': 'video', 'kind.image': 'ảnh',
    'm3u.none': 'Thư mục không có tệp .m3u', 'm3u.missing': 'không có trong thư mục',
    span: 'Xem', 'span.day': 'một ngày', 'span.week': 'cả tuần',
  },
  en: {
    lang: 'Tiếng Việt', logout: 'Log out',
    'nav.overview': 'Overview', 'nav.library': 'Library', 'nav.playlists': 'Playlists',
    'nav.schedule': 'Schedule', 'nav.inbox': 'Province inbox', 'nav.emergency': 'Emergency',
    'nav.airtime': 'Airtime log', 'nav.report': 'Reports',
    'login.title': 'Log in', 'login.help': 'Log in with your name and password, or with the access token your administrator gave you.',
    'login.name': 'Name', 'login.password': 'Password', 'login.token': 'Or an access token', 'login.submit': 'Log in', 'login.bad': 'Wrong name, password or access token.',
    channel: 'Channel', kind: 'Kind', state: 'State', now: 'Now playing', next: 'Next',
    idle: 'idle', playing: 'playing', sync: 'Province sync', disk: 'Disk', free: 'free',
    title: 'Title', topic: 'Topic', duration: 'Duration', loudness: 'Loudness', id: 'Id',
    upload: 'Upload', uploading: 'Uploading…', uploaded: 'Uploaded', file: 'File',
    delete: 'Delete', save: 'Save', items: 'Items (in order)', add: 'Add', create: 'Create',
    content: 'Content', start: 'Start', days: 'Days', time: 'Time', from: 'From',
    to: 'To', priority: 'Priority', rule: 'Repeats', origin: 'Origin',
    'sched.add': 'Add a schedule', 'sched.list': 'Schedules', 'sched.timeline': 'Day timeline',
    date: 'Date', status: 'Status', reason: 'Reason', end: 'End',
    mo: 'Mon', tu: 'Tue', we: 'Wed', th: 'Thu', fr: 'Fri', sa: 'Sat', su: 'Sun',
    accept: 'Accept', reject: 'Reject', 'inbox.empty': 'No bulletin is waiting.',
    'clash.title': 'Clashes with the commune\'s schedule', 'clash.help': 'A province bulletin meets one of the commune\'s own schedules. By default the province\'s airs first; the commune may air its own first (Circular 39/2020/TT-BTTTT).',
    'clash.province': 'Province bulletin', 'clash.local': 'Commune schedule', 'clash.at': 'First meeting', 'clash.first': 'Airs first',
    'clash.local_first': 'The commune\'s', 'clash.province_first': 'The province\'s', 'clash.make_local': 'Air the commune\'s first', 'clash.make_province': 'Air the province\'s first',
    'em.title': 'Emergency', 'em.help': 'Plays on every loudspeaker, quiet hours too, above everything.',
    'em.content': 'Emergency bulletin', 'em.live': 'Speak live into the microphone', 'em.text': 'Text shown on screens',
    'em.repeat': 'Times to play', 'em.start': 'START EMERGENCY', 'em.stop': 'Stop the emergency',
    'em.confirm': 'Start an emergency on every loudspeaker now?', 'em.started': 'Emergency started at',
    'em.stopped': 'Emergency stopped', 'em.on': 'EMERGENCY ON AIR',
    'tk.title': 'Ticker on the screens', 'tk.text': 'Text', 'tk.until': 'Shown until (empty: until removed)',
    'tk.set': 'Set the ticker', 'tk.clear': 'Remove the ticker', 'tk.now': 'Now scrolling', 'tk.none': '(none)',
    filter: 'Filter', download: 'Download', period: 'Period', by: 'By', plays: 'Plays',
    airtime: 'Airtime', show: 'Show', saved: 'Saved', deleted: 'Deleted', error: 'Error',
    'by.topic': 'topic', 'by.channel': 'channel', 'by.day': 'day', 'by.schedule': 'schedule', 'by.media': 'media',
    'viewer': 'You can only look.', none: '—',
    tts: 'Text to speech', 'tts.go': 'Make the announcement',
    up: 'Up', down: 'Down', edit: 'Edit', m3u: 'Import an M3U playlist (choose the USB folder)', 'm3u.go': 'Import',
    'pl.still': 'A picture shows for (empty: the screen\'s default)',
    'kind.audio': 'sound', 'kind.video': 'video', 'kind.image': 'picture',
    'm3u.none': 'The folder has no .m3u file', 'm3u.missing': 'is not in the folder',
    span: 'Show', 'span.day': 'one day', 'span.week': 'the week',
  },
};
let lang = localStorage.getItem('loaxa.lang') || 'vi';
const t = (k) => (T[lang] && T[lang][k]) || T.vi[k] || k;
const $ = (sel, root = document) => root.querySelector(sel);
const page = () => $('#page');
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

function toast(text, bad = false) {
  const el = $('#toast');
  el.textContent = text;
  el.className = bad ? 'error' : '';
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + (localStorage.getItem('loaxa.token') || '') };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) { showLogin(); throw new ApiError(401, t('login.bad')); }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new ApiError(r.status, data && data.error ? data.error.message : r.statusText);
  return data;
}

// Runs an action, reporting its outcome in words.
async function act(fn, done) {
  try { await fn(); if (done) toast(done); route(); } catch (e) { toast(t('error') + ': ' + e.message, true); }
}

async function download(path, name) {
  const r = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + localStorage.getItem('loaxa.token') } });
  if (!r.ok) { toast(t('error') + ': ' + r.status, true); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const fmtDur = (s) => s == null ? t('none') : (s >= 60 ? Math.floor(s / 60) + ' ph ' + Math.round(s % 60) + ' s' : s.toFixed(1) + ' s');
const pill = (s) => h('span', { class: 'pill ' + s }, s);
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
const table = (head, rows) => h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), h('tbody', {}, rows)));
const canChange = () => me && me.role !== 'viewer';
// Styles are set through the DOM: the page's CSP allows no inline style attribute.
const bar = (percent) => { const b = h('div', { class: 'bar' }); b.style.width = percent.toFixed(1) + '%'; return b; };

const pages = {
  async 'tong-quan'() {
    const s = await api('GET', '/status');
    $('#box-name').textContent = s.box.name || s.box.id;
    const out = [h('h1', {}, t('nav.overview'))];
    if (s.emergency) out.push(h('div', { class: 'emergency-banner' }, t('em.on') + ': ' + s.emergency.text));
    out.push(table([t('channel'), t('kind'), t('state'), t('now'), t('next')], s.channels.map((c) => h('tr', {},
      h('td', {}, c.name), h('td', {}, c.kind), h('td', {}, pill(t(c.state))),
      h('td', {}, c.now_playing ? c.now_playing.title + ' (' + c.now_playing.media_id + ')' : t('none')),
      h('td', {}, c.next.map((n) => h('div', {}, n.start.slice(0, 16).replace('T', ' ') + ' · ' + n.schedule_id)))))));
    const d = s.disk;
    out.push(h('p', { class: 'card' }, t('disk') + ': ' + (d.free_bytes / 2 ** 30).toFixed(1) + ' GiB ' + t('free') + ' / ' + (d.total_bytes / 2 ** 30).toFixed(1) + ' GiB'));
    const sy = s.sync;
    out.push(h('p', { class: 'card' }, t('sync') + ': ' + (sy && sy.state ? sy.state + (sy.last_success ? ' · ' + sy.last_success : '') + (sy.last_error ? ' · ' + sy.last_error : '') : t('none'))));
    return out;
  },

  async 'thu-vien'() {
    const [media, status] = await Promise.all([api('GET', '/media'), api('GET', '/status')]);
    const bar = h('progress', { max: 100, value: 0, hidden: true });
    const msg = h('span', { class: 'muted' });
    const file = h('input', { type: 'file', accept: 'audio/*,video/*,image/*', required: true, id: 'upload-file' });
    const title = h('input', { id: 'upload-title' });
    const topic = h('select', { id: 'upload-topic' }, h('option', { value: '' }, t('none')),
      status.topics.map((tp) => h('option', { value: tp.key }, tp.label)));
    const form = h('form', { class: 'grid card', onsubmit: (ev) => {
      ev.preventDefault();
      const f = file.files[0];
      if (!f) return;
      const q = new URLSearchParams({ filename: f.name, title: title.value, topic: topic.value });
      const x = new XMLHttpRequest();
      x.open('PUT', '/api/v1/media?' + q);
      x.setRequestHeader('Authorization', 'Bearer ' + localStorage.getItem('loaxa.token'));
      bar.hidden = false; msg.textContent = t('uploading');
      x.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
      x.onload = () => {
        bar.hidden = true;
        const data = x.responseText ? JSON.parse(x.responseText) : {};
        if (x.status === 201) { toast(t('uploaded') + ': ' + data.id); route(); }
        else { msg.textContent = ''; toast(t('error') + ': ' + (data.error ? data.error.message : x.status), true); }
      };
      x.onerror = () => toast(t('error'), true);
      x.send(f);
    } },
    h('label', {}, t('file'), file), h('label', {}, t('title'), title), h('label', {}, t('topic'), topic),
    h('button', { type: 'submit', disabled: !canChange() }, t('upload')), bar, msg);
    const say = h('textarea', { id: 'tts-text', rows: 3, placeholder: 'Kính thưa bà con…' });
    const tts = h('form', { class: 'card', onsubmit: (ev) => {
      ev.preventDefault();
      act(async () => { const m = await api('POST', '/announcements', { text: say.value, topic: topic.value }); toast(t('uploaded') + ': ' + m.id); });
    } }, h('label', {}, t('tts'), say), h('p', {}), h('button', { type: 'submit', id: 'tts-go', disabled: !canChange() }, t('tts.go')));
    return [h('h1', {}, t('nav.library')), form, tts,
      table([t('id'), t('title'), t('topic'), t('kind'), t('duration'), t('loudness'), ''], media.map((m) => h('tr', {},
        h('td', {}, m.id), h('td', {}, m.title), h('td', {}, m.topic || ''), h('td', {}, m.kind), h('td', {}, fmtDur(m.duration_s)),
        h('td', {}, m.loudness_lufs == null ? t('none') : m.loudness_lufs.toFixed(1) + ' LUFS'),
        h('td', {}, m.origin === 'local' && canChange() ? h('button', { class: 'secondary', onclick: () => act(() => api('DELETE', '/media/' + encodeURIComponent(m.id)), t('deleted')) }, t('delete')) : m.origin))))];
  },

  async 'danh-sach'() {
    const [lists, media] = await Promise.all([api('GET', '/playlists'), api('GET', '/media')]);
    let chosen = [];
    let editing = false;  // PUT an existing playlist instead of creating one
    const shown = h('ol', { id: 'pl-items' });
    // Sounds for loudspeakers; videos and pictures for screens. A picture may be given
    // its own duration (e.g. a newsletter page with more to read).
    const pick = h('select', { id: 'pl-pick' }, media.map((m) => h('option', { value: m.id }, m.title + ' (' + m.id + ', ' + t('kind.' + m.kind) + ')')));
    const still = h('input', { id: 'pl-still', placeholder: '20s', pattern: '([0-9]+h)?([0-9]+m)?([0-9]+s)?', size: 8 });
    const addItem = () => {
      const m = media.find((x) => x.id === pick.value);
      chosen.push(m && m.kind === 'image' && still.value ? { media: pick.value, duration: still.value } : pick.value);
      redraw();
    };
    const id = h('input', { id: 'pl-id', required: true, pattern: '[a-z0-9_-]+', placeholder: 'ban-tin-sang' });
    const title = h('input', { id: 'pl-title' });
    const move = (i, by) => { const j = i + by; if (j < 0 || j >= chosen.length) return; [chosen[i], chosen[j]] = [chosen[j], chosen[i]]; redraw(); };
    // An item is a media id, or { media, duration } for a slide with its own duration
    // (kept as it is when the playlist is edited and saved again).
    const itemText = (m) => typeof m === 'string' ? m : m.media + ' (' + m.duration + ')';
    const redraw = () => shown.replaceChildren(...chosen.map((m, i) => h('li', {}, itemText(m) + ' ',
      h('button', { type: 'button', class: 'secondary', title: t('up'), onclick: () => move(i, -1) }, '↑'), ' ',
      h('button', { type: 'button', class: 'secondary', title: t('down'), onclick: () => move(i, 1) }, '↓'), ' ',
      h('button', { type: 'button', class: 'secondary', title: t('delete'), onclick: () => { chosen.splice(i, 1); redraw(); } }, '×'))));
    const form = h('form', { class: 'card', onsubmit: (ev) => {
      ev.preventDefault();
      const body = { id: id.value, title: title.value, items: chosen };
      act(() => editing ? api('PUT', '/playlists/' + encodeURIComponent(id.value), body) : api('POST', '/playlists', body), t('saved'));
    } },
    h('div', { class: 'grid' }, h('label', {}, t('id'), id), h('label', {}, t('title'), title),
      h('label', {}, t('items'), pick), h('label', {}, t('pl.still'), still), h('button', { type: 'button', id: 'pl-add', onclick: addItem }, t('add'))),
    shown, h('button', { type: 'submit', disabled: !canChange() }, t('save')));
    // An M3U from a USB stick: choose its folder; the files it names are uploaded, then
    // the playlist is made in the M3U's order.
    const folder = h('input', { type: 'file', id: 'm3u-folder', webkitdirectory: true, multiple: true });
    const progress = h('span', { class: 'muted' });
    const importForm = h('form', { class: 'card grid', onsubmit: async (ev) => {
      ev.preventDefault();
      const files = [...folder.files];
      const m3u = files.find((f) => /\.m3u8?$/i.test(f.name));
      if (!m3u) { toast(t('m3u.none'), true); return; }
      const base = m3u.webkitRelativePath.split('/').slice(0, -1).join('/');
      // Names as the office PC meant them: '\\' or '/', NFC or NFD (a Mac), and any
      // letter case when only one file fits (FAT sticks). Every missing line at once.
      const nfc = (p) => p.normalize('NFC');
      const byPath = new Map(files.map((f) => [nfc(f.webkitRelativePath), f]));
      const byFolded = new Map();
      for (const f of files) { const k = nfc(f.webkitRelativePath).toLowerCase(); byFolded.set(k, byFolded.has(k) ? null : f); }
      const lines = (await m3u.text()).split(/\r?\n/).map((l) => l.replace(/^\uFEFF/, '').trim());
      const entries = [], missing = [];
      for (const [n, l] of lines.entries()) {
        if (!l || l.startsWith('#')) continue;
        const want = nfc((base ? base + '/' : '') + l.replaceAll('\\', '/'));
        const f = byPath.get(want) || byFolded.get(want.toLowerCase());
        if (!f) { missing.push(m3u.name + ':' + (n + 1) + ': ' + l); continue; }
        entries.push(f);
      }
      if (missing.length) { toast(missing.join('; ') + ' — ' + t('m3u.missing'), true); return; }
      const ids = [];
      try {
        for (const [i, f] of entries.entries()) {
          progress.textContent = t('uploading') + ' ' + (i + 1) + '/' + entries.length;
          const r = await fetch('/api/v1/media?' + new URLSearchParams({ filename: f.name }), { method: 'PUT', body: f,
            headers: { Authorization: 'Bearer ' + localStorage.getItem('loaxa.token') } });
          const data = await r.json();
          if (!r.ok) throw new Error(f.name + ': ' + (data.error ? data.error.message : r.status));
          ids.push(data.id);
        }
        const plId = m3u.name.replace(/\.m3u8?$/i, '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'danh-sach';
        await api('POST', '/playlists', { id: plId, title: m3u.name.replace(/\.m3u8?$/i, ''), items: ids });
        toast(t('saved') + ': ' + plId); route();
      } catch (e) { progress.textContent = ''; toast(t('error') + ': ' + e.message, true); }
    } }, h('label', {}, t('m3u'), folder), h('button', { type: 'submit', disabled: !canChange() }, t('m3u.go')), progress);
    return [h('h1', {}, t('nav.playlists')), form, importForm,
      table([t('id'), t('title'), t('items'), t('origin'), ''], lists.map((p) => h('tr', {}, h('td', {}, p.id), h('td', {}, p.title), h('td', {}, p.items.map(itemText).join(', ')), h('td', {}, p.origin),
        h('td', {}, p.origin === 'local' && canChange() ? [
          h('button', { class: 'secondary', onclick: () => { editing = true; id.value = p.id; id.readOnly = true; title.value = p.title; chosen = [...p.items]; redraw(); form.scrollIntoView(); } }, t('edit')), ' ',
          h('button', { class: 'secondary', onclick: () => act(() => api('DELETE', '/playlists/' + encodeURIComponent(p.id)), t('deleted')) }, t('delete'))] : ''))))];
  },

  async lich() {
    const [lists, media, scheds, status] = await Promise.all([api('GET', '/playlists'), api('GET', '/media'), api('GET', '/schedules'), api('GET', '/status')]);
    const content = h('select', { id: 'sc-content' },
      lists.map((p) => h('option', { value: p.id }, '▶ ' + (p.title || p.id))), media.map((m) => h('option', { value: m.id }, m.title + ' (' + m.id + ')')));
    const channel = h('select', { id: 'sc-channel' }, status.channels.map((c) => h('option', { value: c.name }, c.name)));
    const codes = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    const days = codes.map((c) => h('input', { type: 'checkbox', value: c, id: 'sc-day-' + c.toLowerCase(), checked: ['SA', 'SU'].includes(c) ? false : true }));
    const time = h('input', { type: 'time', id: 'sc-time', value: '06:00', step: 1, required: true });
    const from = h('input', { type: 'date', id: 'sc-from', value: today(), required: true });
    const to = h('input', { type: 'date', id: 'sc-to' });
    const prio = h('input', { type: 'number', id: 'sc-priority', min: 0, max: 100, value: 50 });
    const form = h('form', { class: 'grid card', onsubmit: (ev) => {
      ev.preventDefault();
      const picked = days.filter((d) => d.checked).map((d) => d.value);
      const hhmmss = time.value.length === 5 ? time.value + ':00' : time.value;
      const body = { channel: channel.value, content: content.value, start: from.value + 'T' + hhmmss, priority: Number(prio.value) };
      if (picked.length) body.rrule = 'FREQ=WEEKLY;BYDAY=' + picked.join(',');
      if (to.value) body.until = to.value;
      act(() => api('POST', '/schedules', body), t('saved'));
    } },
    h('label', {}, t('content'), content), h('label', {}, t('channel'), channel),
    h('fieldset', { class: 'days' }, h('legend', {}, t('days')), days.map((d, i) => h('label', {}, d, t(codes[i].toLowerCase())))),
    h('label', {}, t('time'), time), h('label', {}, t('from'), from), h('label', {}, t('to'), to), h('label', {}, t('priority'), prio),
    h('button', { type: 'submit', disabled: !canChange() }, t('sched.add')));
    const day = h('input', { type: 'date', id: 'tl-date', value: today() });
    const span = h('select', { id: 'tl-span' }, h('option', { value: '1' }, t('span.day')), h('option', { value: '7' }, t('span.week')));
    const timeline = h('div', { id: 'timeline' });
    const showDay = async () => {
      const end = new Date(Date.parse(day.value + 'T00:00:00Z') + (Number(span.value) - 1) * 86400e3).toISOString().slice(0, 10);
      const entries = await api('GET', '/schedule/preview?from=' + day.value + '&to=' + end + 'T23:59:59');
      const week = span.value !== '1';
      timeline.replaceChildren(table([t('start'), t('end'), t('channel'), t('id'), t('content'), t('status'), t('reason')], entries.map((e) => h('tr', {},
        h('td', {}, week ? e.start.slice(5, 16).replace('T', ' ') : e.start.slice(11, 19)), h('td', {}, e.end.slice(11, 19)), h('td', {}, e.channel), h('td', {}, e.schedule_id), h('td', {}, e.content), h('td', {}, pill(e.status)), h('td', {}, e.reason)))));
    };
    day.addEventListener('change', showDay);
    span.addEventListener('change', showDay);
    await showDay();
    return [h('h1', {}, t('nav.schedule')), h('h2', {}, t('sched.add')), form,
      h('h2', {}, t('sched.timeline')), h('div', { class: 'card grid' }, h('label', {}, t('date'), day), h('label', {}, t('span'), span)), timeline,
      h('h2', {}, t('sched.list')),
      table([t('id'), t('channel'), t('content'), t('start'), t('rule'), t('to'), t('priority'), t('origin'), ''], scheds.map((s) => h('tr', {},
        h('td', {}, s.id), h('td', {}, s.channel), h('td', {}, s.content), h('td', {}, s.start.replace('T', ' ')), h('td', {}, s.rrule || t('none')),
        h('td', {}, s.until || ''), h('td', {}, String(s.priority)), h('td', {}, s.origin),
        h('td', {}, s.origin === 'local' && canChange() ? h('button', { class: 'secondary', onclick: () => act(() => api('DELETE', '/schedules/' + encodeURIComponent(s.id)), t('deleted')) }, t('delete')) : ''))))];
  },

  async 'hop-thu'() {
    const [items, clashes] = await Promise.all([api('GET', '/inbox'), api('GET', '/clashes')]);
    // Circular 39/2020: where a province bulletin meets the commune's own, the commune
    // chooses which airs first (the province's unless it chose).
    const order = (c, first) => act(() => api('POST', '/clashes', { province: c.province, local: c.local, first }), t('saved'));
    const clashCard = clashes.length === 0 ? '' : h('div', { class: 'card', id: 'clashes' }, h('h2', {}, t('clash.title')), h('p', { class: 'muted' }, t('clash.help')),
      table([t('clash.province'), t('clash.local'), t('channel'), t('clash.at'), t('clash.first'), ''], clashes.map((c) => h('tr', { 'data-clash': c.province + '/' + c.local, 'data-first': c.first },
        h('td', {}, c.province + ' (' + c.province_content + ')'), h('td', {}, c.local + ' (' + c.local_content + ')'), h('td', {}, c.channel),
        h('td', {}, c.at.replace('T', ' ')), h('td', {}, c.first === 'local' ? t('clash.local_first') : t('clash.province_first')),
        h('td', {}, canChange() ? h('button', { class: 'secondary', onclick: () => order(c, c.first === 'local' ? 'province' : 'local') },
          c.first === 'local' ? t('clash.make_province') : t('clash.make_local')) : '')))));
    return [h('h1', {}, t('nav.inbox')), clashCard, items.length === 0 ? h('p', { class: 'card' }, t('inbox.empty')) :
      table([t('id'), t('title'), t('channel'), t('start'), t('rule'), t('state'), ''], items.map((b) => h('tr', {},
        h('td', {}, b.id), h('td', {}, b.title), h('td', {}, b.channel), h('td', {}, b.start), h('td', {}, b.rrule || ''), h('td', {}, pill(b.state)),
        h('td', {}, canChange() ? [h('button', { onclick: () => act(() => api('POST', '/inbox/' + encodeURIComponent(b.id) + '/accept'), t('saved')) }, t('accept')), ' ',
          h('button', { class: 'secondary', onclick: () => act(() => api('POST', '/inbox/' + encodeURIComponent(b.id) + '/reject'), t('saved')) }, t('reject'))] : '')))) ];
  },

  async 'khan-cap'() {
    const [media, status] = await Promise.all([api('GET', '/media'), api('GET', '/status')]);
    const content = h('select', { id: 'em-content' }, media.filter((m) => m.kind === 'audio').map((m) => h('option', { value: m.id }, m.title + ' (' + m.id + ')')));
    const live = h('input', { type: 'checkbox', id: 'em-live' });
    const text = h('input', { id: 'em-text', placeholder: 'Bão số 5 sắp đổ bộ' });
    const repeat = h('input', { type: 'number', id: 'em-repeat', min: 1, max: 100, value: 1 });
    const start = h('button', { type: 'button', id: 'em-start', class: 'big-danger', disabled: !canChange(), onclick: () => {
      if (!confirm(t('em.confirm'))) return;
      const body = live.checked ? { live: true } : { content: content.value };
      body.repeat = Number(repeat.value); if (text.value) body.text = text.value;
      act(async () => { const r = await api('POST', '/emergency', body); toast(t('em.started') + ' ' + r.start.slice(11, 19)); });
    } }, t('em.start'));
    const stop = h('button', { type: 'button', id: 'em-stop', class: 'secondary', disabled: !canChange(), onclick: () => act(() => api('DELETE', '/emergency'), t('em.stopped')) }, t('em.stop'));
    // Kiosk screens: the scrolling line (POST/DELETE /ticker), shown when the box has one.
    const screens = (status.channels || []).filter((c) => c.kind === 'video');
    let ticker = '';
    if (screens.length > 0) {
      const tkText = h('input', { id: 'tk-text', maxlength: 300, placeholder: 'Tiếp nhận hồ sơ trực tuyến tại dichvucong.gov.vn' });
      const tkUntil = h('input', { id: 'tk-until', type: 'datetime-local' });
      const set = h('button', { type: 'button', id: 'tk-set', disabled: !canChange(), onclick: () => {
        const body = { text: tkText.value };
        if (tkUntil.value) body.until = tkUntil.value + ':00+07:00';
        act(() => api('POST', '/ticker', body), t('saved'));
      } }, t('tk.set'));
      const clear = h('button', { type: 'button', id: 'tk-clear', class: 'secondary', disabled: !canChange(), onclick: () => act(() => api('DELETE', '/ticker'), t('deleted')) }, t('tk.clear'));
      ticker = h('div', { class: 'card' }, h('h2', {}, t('tk.title')),
        h('p', { id: 'tk-now' }, t('tk.now') + ': ' + (screens.map((c) => c.ticker).filter((x) => x)[0] || t('tk.none'))),
        h('div', { class: 'grid' }, h('label', {}, t('tk.text'), tkText), h('label', {}, t('tk.until'), tkUntil)), set, ' ', clear);
    }
    return [h('h1', {}, t('em.title')), status.emergency ? h('div', { class: 'emergency-banner' }, t('em.on') + ': ' + status.emergency.text) : '',
      h('p', {}, t('em.help')),
      h('div', { class: 'card grid' }, h('label', {}, t('em.content'), content), h('label', {}, h('span', {}, live, ' ', t('em.live'))),
        h('label', {}, t('em.text'), text), h('label', {}, t('em.repeat'), repeat)),
      start, h('p', {}), stop, h('p', {}), ticker];
  },

  async 'nhat-ky'() {
    const from = h('input', { type: 'date', id: 'at-from', value: today() });
    const to = h('input', { type: 'date', id: 'at-to', value: today() });
    const list = h('div', { id: 'airtime' });
    const q = () => 'from=' + from.value + '&to=' + to.value + 'T23:59:59';
    const show = async () => {
      const rows = await api('GET', '/airtime?format=json&' + q());
      list.replaceChildren(table([t('start'), t('channel'), t('title'), t('duration'), t('status'), 'RMS', ''], rows.map((r) => h('tr', {},
        h('td', {}, (r.actual_start || r.planned_start || '').slice(0, 19).replace('T', ' ')), h('td', {}, r.channel), h('td', {}, r.title || r.media_id),
        h('td', {}, fmtDur(r.duration_s)), h('td', {}, pill(r.status)), h('td', {}, r.rms_db == null ? '' : r.rms_db.toFixed(1) + ' dB'), h('td', { class: 'muted' }, r.error || '')))));
    };
    await show();
    return [h('h1', {}, t('nav.airtime')), h('form', { class: 'grid card', onsubmit: (ev) => { ev.preventDefault(); show(); } },
      h('label', {}, t('from'), from), h('label', {}, t('to'), to), h('button', { type: 'submit' }, t('filter')),
      h('button', { type: 'button', class: 'secondary', onclick: () => download('/airtime?format=csv&excel=1&' + q(), 'nhat-ky-phat.csv') }, t('download') + ' CSV')), list];
  },

  async 'bao-cao'() {
    const now = new Date(Date.now() + 7 * 3600e3);
    const period = h('input', { id: 'rp-period', value: now.getUTCFullYear() + '-Q' + (Math.floor(now.getUTCMonth() / 3) + 1) });
    const by = h('select', { id: 'rp-by' }, ['topic', 'channel', 'day', 'schedule', 'media'].map((b) => h('option', { value: b }, t('by.' + b))));
    const out = h('div', { id: 'report' });
    const show = async () => {
      const lines = await api('GET', '/reports/airtime?period=' + encodeURIComponent(period.value) + '&by=' + by.value);
      const max = Math.max(1, ...lines.map((l) => l.airtime_s || 0));
      out.replaceChildren(table([t('by'), t('plays'), t('airtime'), ''], lines.map((l) => h('tr', {},
        h('td', {}, l.label || l.key || ''), h('td', {}, String(l.plays ?? '')), h('td', {}, l.airtime_hms || fmtDur(l.airtime_s)),
        h('td', { class: 'bar-cell' }, bar(100 * (l.airtime_s || 0) / max))))));
    };
    await show();
    return [h('h1', {}, t('nav.report')), h('form', { class: 'grid card', onsubmit: (ev) => { ev.preventDefault(); show(); } },
      h('label', {}, t('period') + ' (2022-Q3, 2022-H1, 2022)', period), h('label', {}, t('by'), by), h('button', { type: 'submit' }, t('show')),
      h('button', { type: 'button', class: 'secondary', id: 'rp-xlsx', onclick: () => download('/reports/airtime?format=xlsx&period=' + encodeURIComponent(period.value) + '&by=' + by.value, 'bao-cao-' + period.value + '.xlsx') }, t('download') + ' XLSX')), out];
  },
};

function translate() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

function showLogin() {
  $('#login').hidden = false;
  page().replaceChildren();
  $('#logout').hidden = true;
}

let routeSeq = 0;
async function route() {
  // Only the latest navigation draws: a slow page must not replace a newer one.
  const seq = ++routeSeq;
  const name = (location.hash || '#tong-quan').slice(1);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === '#' + name);
  if (!localStorage.getItem('loaxa.token')) return showLogin();
  try {
    if (!me) me = await api('GET', '/whoami');
    $('#login').hidden = true;
    $('#logout').hidden = false;
    const build = pages[name] || pages['tong-quan'];
    const content = await build();
    if (seq !== routeSeq) return;
    const out = [content].flat();
    if (me.role === 'viewer') out.unshift(h('p', { class: 'muted' }, t('viewer')));
    page().replaceChildren(...out);
  } catch (e) {
    if (e.status !== 401 && seq === routeSeq) page().replaceChildren(h('p', { class: 'error' }, t('error') + ': ' + e.message));
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
      if (r.status === 401) throw new Error(t('login.bad'));
      if (!r.ok) throw new Error(data.error ? data.error.message : r.statusText);
      token = data.token;
    }
    localStorage.setItem('loaxa.token', token);
    me = await api('GET', '/whoami');
    $('#login-error').textContent = '';
    $('#password').value = '';
    $('#token').value = '';
    route();
  } catch (e) {
    $('#login-error').textContent = e.message;
    localStorage.removeItem('loaxa.token');
  }
});
$('#logout').addEventListener('click', () => { localStorage.removeItem('loaxa.token'); me = null; showLogin(); });
$('#lang').addEventListener('click', () => { lang = lang === 'vi' ? 'en' : 'vi'; localStorage.setItem('loaxa.lang', lang); translate(); route(); });
window.addEventListener('hashchange', route);
translate();
route();
