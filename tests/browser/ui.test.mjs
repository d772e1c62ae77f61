// The operator's day in the web UI, in Debian's chromium (headless), against a real
// loaxad rendering to a file: log in, upload, make a playlist, schedule it a few
// seconds ahead, see it in the timeline and then in the airtime log, start and stop
// an emergency; a viewer sees everything and can change nothing. Screenshots of every
// page go to $ARTIFACTS (default build/browser-artifacts).
//
// Usage: node ui.test.mjs LOAXAD_BIN   (run by ctest)

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, toneWav, waitFor as waitForEvent } from './helpers.mjs';
import { chromium } from 'playwright-core';

const loaxad = process.argv[2] || process.env.LOAXAD_BIN;
const loaxa = process.argv[3] || process.env.LOAXA_BIN;
const artifacts = process.env.ARTIFACTS || path.resolve('browser-artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loaxa-ui-'));
const OPERATOR = 'can-bo-van-hoa-bi-mat-1';
const VIEWER = 'phong-noi-vu-bi-mat-2';
const sha = (s) => createHash('sha256').update(s).digest('hex');
let daemon, browser, port, log = '';

// A wait whose timeout message ends with the daemon's log.
const waitFor = (what, fn, timeout = 20000) => waitForEvent(what, fn, timeout, () => log);

// Local wall time in the box's zone (UTC+7, no DST), `ahead` ms from now.
function local(ahead) {
  const d = new Date(Date.now() + ahead + 7 * 3600e3);
  return { date: d.toISOString().slice(0, 10), time: d.toISOString().slice(11, 19) };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
}

async function login(page, token) {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', token);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
}

before(async () => {
  port = await freePort();
  fs.writeFileSync(path.join(dir, 'loaxa.toml'), `[box]
id = "xa-thu-nghiem"
name = "UBND xã Thử Nghiệm"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"

[channels.loudspeaker]
sink = "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location=${dir}/out.raw append=true buffer-mode=unbuffered"

[channels.man-hinh]
kind = "video"
sink = "fakesink"
width = 320
height = 180
framerate = 5

[api]
listen = ["127.0.0.1:${port}"]
tokens = [
  { name = "can-bo-vhtt", role = "operator", sha256 = "${sha(OPERATOR)}" },
  { name = "phong-noi-vu", role = "viewer", sha256 = "${sha(VIEWER)}" },
]
users = [ { name = "van-hoa-xa", role = "operator", password = "${execFileSync(loaxa, ['passwd'], { input: 'mat-khau-xa-2022\n' }).toString().trim()}" } ]
`);
  daemon = spawn(loaxad, ['--config', path.join(dir, 'loaxa.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  daemon.stderr.on('data', (d) => { log += d; });
  await waitFor('loaxad to be ready', () => log.includes('loaxad: box '));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) {
    // The daemon must stop cleanly: under ASan a leak or an error report makes its exit
    // status non-zero, and that fails this test too.
    const exited = new Promise((resolve) => daemon.on('exit', (code, signal) => resolve({ code, signal })));
    daemon.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.equal(code, 0, `loaxad exited with ${code ?? signal}:\n${log.slice(-4000)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an operator uploads, plans, sees it air and runs an emergency, in Vietnamese', async () => {
  const page = await browser.newPage({ viewport: { width: 412, height: 915 }, locale: 'vi-VN' });  // a phone
  page.on('dialog', (d) => d.accept());
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.textContent('#login h1'), 'Đăng nhập');
  assert.equal(await page.textContent('nav a[href="#lich"]'), 'Lịch phát');
  await shot(page, '00-dang-nhap');

  // A wrong password is refused in words; then the officer logs in by name.
  await page.fill('#name', 'van-hoa-xa');
  await page.fill('#password', 'sai-mat-khau');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.includes('không đúng'));
  await page.fill('#password', 'mat-khau-xa-2022');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  await page.waitForSelector('table');
  assert.match(await page.textContent('#page'), /loudspeaker/);
  await shot(page, '01-tong-quan');

  // Thư viện: upload with progress.
  const wav = path.join(dir, 'Thông báo lịch tiếp dân.wav');
  toneWav(wav);
  await page.goto(`http://127.0.0.1:${port}/#thu-vien`);
  await page.waitForSelector('#upload-file');
  await page.setInputFiles('#upload-file', wav);
  await page.fill('#upload-title', 'Thông báo lịch tiếp công dân');
  await page.selectOption('#upload-topic', 'institutions');
  await page.click('#page form button[type=submit]');
  await page.waitForSelector('text=thong-bao-lich-tiep-dan');
  assert.match(await page.textContent('#page'), /Thông báo lịch tiếp công dân/);
  assert.match(await page.textContent('#page'), /LUFS/);
  await page.fill('#tts-text', 'Kính thưa bà con, xã tiếp nhận hồ sơ vào sáng thứ Bảy.');
  await page.click('#tts-go');
  await page.waitForSelector('td:text-matches("^thong-bao-")');
  await shot(page, '02-thu-vien');

  // Danh sách phát.
  await page.goto(`http://127.0.0.1:${port}/#danh-sach`);
  await page.waitForSelector('#pl-id');
  await page.fill('#pl-id', 'tiep-dan');
  await page.fill('#pl-title', 'Lịch tiếp dân');
  await page.selectOption('#pl-pick', 'thong-bao-lich-tiep-dan');
  await page.click('#pl-add');
  await page.click('#page form button[type=submit]');
  await page.waitForSelector('td:text-is("tiep-dan")');
  // For the one-stop-shop screen: a newsletter page (a picture) that shows 30 s, kept
  // as the item's own duration.
  const page2 = path.join(dir, 'Bản tin trang 2.png');
  execFileSync('/usr/bin/gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=1', '!',
    'video/x-raw,width=320,height=180', '!', 'pngenc', '!', 'filesink', 'location=' + page2]);
  await page.goto(`http://127.0.0.1:${port}/#thu-vien`);
  await page.waitForSelector('#upload-file');
  await page.setInputFiles('#upload-file', page2);
  await page.fill('#upload-title', 'Bản tin CCHC quý III, trang 2');
  await page.click('#page form button[type=submit]');
  await page.waitForSelector('text=ban-tin-trang-2');
  await page.goto(`http://127.0.0.1:${port}/#danh-sach`);
  await page.waitForSelector('#pl-id');
  await page.fill('#pl-id', 'man-hinh');
  await page.fill('#pl-title', 'Màn hình một cửa');
  await page.selectOption('#pl-pick', 'ban-tin-trang-2');
  await page.fill('#pl-still', '30s');
  await page.click('#pl-add');
  await page.selectOption('#pl-pick', 'thong-bao-lich-tiep-dan');
  await page.click('#pl-add');
  await page.click('#page form button[type=submit]');
  await page.waitForSelector('td:text-is("man-hinh")');
  assert.match(await page.textContent('#page'), /ban-tin-trang-2 \(30s\), thong-bao-lich-tiep-dan/);
  // An M3U on a USB stick: the folder is chosen, its files uploaded in the list's order.
  const usb = path.join(dir, 'usb');
  fs.mkdirSync(path.join(usb, 'tin'), { recursive: true });
  toneWav(path.join(usb, 'nhac-hieu.wav'), 0.5);
  toneWav(path.join(usb, 'tin', 'Tin cải cách.wav'), 0.5);
  fs.writeFileSync(path.join(usb, 'Bản tin chiều.m3u'), '#EXTM3U\r\n#EXTINF:1,Nhạc hiệu\r\nnhac-hieu.wav\r\ntin/Tin cải cách.wav\r\n');
  await page.setInputFiles('#m3u-folder', usb);
  await page.click('#page form.card.grid button[type=submit]');
  await page.waitForSelector('td:text-is("ban-tin-chieu")');
  assert.match(await page.textContent('#page'), /nhac-hieu, tin-cai-cach/);
  await shot(page, '03-danh-sach-phat');

  // Lịch phát: every day of the week, a few seconds from now.
  await page.goto(`http://127.0.0.1:${port}/#lich`);
  await page.waitForSelector('#sc-content');
  const at = local(8000);
  await page.selectOption('#sc-content', 'tiep-dan');
  for (const d of ['sa', 'su']) await page.check('#sc-day-' + d);
  await page.fill('#sc-time', at.time);
  await page.fill('#sc-from', at.date);
  await page.click('#page form.grid button[type=submit]');
  await page.waitForSelector('#page td:text-is("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")');
  await page.fill('#tl-date', at.date);
  await page.dispatchEvent('#tl-date', 'change');
  await page.waitForSelector(`#timeline td:text-is("${at.time}")`);
  await page.selectOption('#tl-span', '7');
  await page.waitForSelector(`#timeline td:text-is("${at.date.slice(5)} ${at.time.slice(0, 5)}")`);
  await shot(page, '04-lich-phat');

  // Nhật ký phát: the play, once it has aired.
  await page.goto(`http://127.0.0.1:${port}/#nhat-ky`);
  await waitFor('the play in the airtime log', async () => {
    await page.fill('#at-from', at.date);
    await page.fill('#at-to', at.date);
    await page.click('#page form button[type=submit]');
    await page.waitForTimeout(100);  // let the table redraw (the condition is checked below)
    return (await page.textContent('#airtime')).includes('completed');
  }, 30000);
  assert.match(await page.textContent('#airtime'), /Thông báo lịch tiếp công dân/);
  await shot(page, '05-nhat-ky-phat');

  // Phát khẩn cấp: one button with a confirmation, then stop.
  await page.goto(`http://127.0.0.1:${port}/#khan-cap`);
  await page.waitForSelector('#em-start');
  await page.fill('#em-text', 'Bão số 5 sắp đổ bộ');
  await page.selectOption('#em-content', 'thong-bao-lich-tiep-dan');
  await page.fill('#em-repeat', '20');
  await page.click('#em-start');
  await waitFor('the emergency on air', async () => {
    await page.goto(`http://127.0.0.1:${port}/#tong-quan`);
    await page.waitForSelector('table');
    return (await page.textContent('#page')).includes('ĐANG PHÁT KHẨN CẤP: Bão số 5 sắp đổ bộ');
  });
  await waitFor('the emergency to sound', () => (log.match(/started thong-bao-lich-tiep-dan/g) || []).length >= 2);
  await shot(page, '06-khan-cap-dang-phat');
  await page.goto(`http://127.0.0.1:${port}/#khan-cap`);
  await page.waitForSelector('#em-stop');
  await page.click('#em-stop');
  await page.waitForSelector('#toast:text("Đã dừng phát khẩn cấp")');
  await waitFor('the emergency row closed as stopped', () => log.includes('ended (stopped)'));
  await shot(page, '07-khan-cap');

  // The kiosk's ticker, set from the same page (Vietnamese words kept as typed).
  await page.fill('#tk-text', 'Tiếp nhận hồ sơ trực tuyến tại dichvucong.gov.vn');
  await page.click('#tk-set');
  await page.waitForSelector('#toast:text("Đã lưu")');
  await page.waitForSelector('#tk-now:text("Đang chạy: Tiếp nhận hồ sơ trực tuyến tại dichvucong.gov.vn")');
  await waitFor('the screen to scroll it', () => log.includes('man-hinh: ticker: Tiếp nhận hồ sơ trực tuyến'));
  await shot(page, '07b-dong-chu-chay');
  await page.click('#tk-clear');
  await page.waitForSelector('#tk-now:text("Đang chạy: (không có)")');

  // Hộp thư tỉnh and Báo cáo render in Vietnamese.
  await page.goto(`http://127.0.0.1:${port}/#hop-thu`);
  await page.waitForSelector('text=Không có bản tin nào chờ.');
  await shot(page, '08-hop-thu-tinh');
  await page.goto(`http://127.0.0.1:${port}/#bao-cao`);
  await page.waitForSelector('#report table');
  assert.match(await page.textContent('#report'), /Cải cách thể chế, TTHC/);
  await shot(page, '09-bao-cao');

  // English second.
  await page.click('#lang');
  await page.waitForSelector('nav a[href="#lich"]:text-is("Schedule")');
  await shot(page, '10-english');
  await page.click('#lang');
  await page.close();
});

test('a viewer sees every page and can change nothing', async () => {
  const page = await browser.newPage();
  await login(page, VIEWER);
  // Each page's own element, then the viewer's notice on it.
  const own = { 'tong-quan': 'table', 'thu-vien': '#upload-file', 'danh-sach': '#pl-id', lich: '#sc-content',
    'nhat-ky': '#airtime', 'bao-cao': '#report', 'khan-cap': '#em-start' };
  for (const [p, sel] of Object.entries(own)) {
    await page.goto(`http://127.0.0.1:${port}/#${p}`);
    await page.waitForSelector(`#page ${sel}`);
    await page.waitForSelector('text=Bạn chỉ có quyền xem.');
  }
  assert.equal(await page.isDisabled('#em-start'), true);
  // Even past the UI, the API says no.
  const status = await page.evaluate(async (token) => (await fetch('/api/v1/emergency', {
    method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ content: 'thong-bao-lich-tiep-dan' }) })).status, VIEWER);
  assert.equal(status, 403);
  await shot(page, '11-nguoi-xem');
  await page.close();
});
