// A district officer issues an emergency from a phone and follows its receipts, in
// Debian's chromium (headless) with a phone's screen: a real loaxa-hub over its own
// throw-away PostgreSQL, five real boxes (four communes of Đồng Xoài, one of Bù Đăng;
// loaxad rendering to files, long-polling the hub), the province's first signed tree
// made by `loaxa publish`. The emergency can only be for the officer's district: the
// page shows that district's boxes airing it within seconds and not the other's;
// withdrawn from the page while it sounds, the page shows it stopped. A bulletin goes
// to three communes of the district, chosen on the form. Screenshots
// go to $ARTIFACTS (default build/browser-artifacts).
//
// Usage: node hub.test.mjs LOAXAD_BIN LOAXA_BIN LOAXA_HUB_BIN PG_CLUSTER_SH   (run by ctest)

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, toneWav, waitFor } from './helpers.mjs';
import { chromium, devices } from 'playwright-core';

const [loaxad, loaxa, loaxaHub, pgCluster] = process.argv.slice(2);
const artifacts = process.env.ARTIFACTS || path.resolve('browser-artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loaxa-hub-ui-'));
const ADMIN = 'so-noi-vu-bi-mat-1';
const DONG_XOAI = 'phong-noi-vu-dong-xoai-bi-mat-2';
const sha = (s) => createHash('sha256').update(s).digest('hex');
const procs = [];
let browser, hubPort;
const boxApi = {};  // box id → its API's port

// A process whose stderr is kept; resolves when `ready` appears in it.
function start(name, argv, ready) {
  const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  p.log = '';
  p.name = name;
  p.stderr.on('data', (d) => { p.log += d; });
  procs.push(p);
  return waitFor(name + ' to say "' + ready + '"', () => p.log.includes(ready), 30000, () => p.log).then(() => p);
}

const src = path.join(dir, 'src'), www = path.join(dir, 'www');
const provinceToml = `[publisher]
id = "so-noi-vu-binh-phuoc"
name = "Sở Nội vụ tỉnh Bình Phước"

[[media]]
file = "ban-tin.wav"
id = "ban-tin-cchc"
title = "Bản tin cải cách hành chính"
topic = "institutions"

[[media]]
file = "bao.wav"
id = "canh-bao-bao"
title = "Cảnh báo bão (40 giây)"
topic = "institutions"

[[schedule]]
id = "ban-tin-nam-sau"
channel = "loudspeaker"
media = "ban-tin-cchc"
level = "priority"
start = "2099-01-01T06:00:00"
`;
const publish = () => execFileSync(loaxa, ['publish', src, '--out', www, '--key', path.join(dir, 'province.key')]);

before(async () => {
  fs.mkdirSync(src, { recursive: true });
  toneWav(path.join(src, 'ban-tin.wav'), 1);
  toneWav(path.join(src, 'bao.wav'), 40);
  execFileSync(loaxa, ['keygen', '--out', path.join(dir, 'province')]);
  const provincePub = fs.readFileSync(path.join(dir, 'province.pub'), 'utf8').trim();
  fs.writeFileSync(path.join(src, 'province.toml'), provinceToml);
  publish();

  const pgPort = await freePort();
  const db = execFileSync('bash', [pgCluster, 'start', path.join(dir, 'pg'), String(pgPort)]).toString().trim();
  hubPort = await freePort();
  const hubToml = path.join(dir, 'hub.toml');
  fs.writeFileSync(hubToml, `[hub]
id = "so-noi-vu-binh-phuoc"
name = "Sở Nội vụ tỉnh Bình Phước"
timezone = "Asia/Ho_Chi_Minh"

[database]
url = "${db}"

[api]
listen = ["127.0.0.1:${hubPort}"]
tokens = [
  { name = "so-noi-vu", role = "admin", sha256 = "${sha(ADMIN)}" },
  { name = "phong-noi-vu-dong-xoai", role = "district", district = "dong-xoai", sha256 = "${sha(DONG_XOAI)}" },
]

[alerts]
status_interval = "2s"

[publish]
dir = "www"
key = "province.key"
`);
  await start('loaxa-hub', [loaxaHub, '--config', hubToml], 'hub so-noi-vu-binh-phuoc ready (');

  for (const [id, district, districtName, commune] of [
    ['bp-dong-xoai-tan-phu', 'dong-xoai', 'Đồng Xoài', 'Tân Phú'],
    ['bp-dong-xoai-tien-thanh', 'dong-xoai', 'Đồng Xoài', 'Tiến Thành'],
    ['bp-dong-xoai-tan-thanh', 'dong-xoai', 'Đồng Xoài', 'Tân Thành'],
    ['bp-dong-xoai-tan-xuan', 'dong-xoai', 'Đồng Xoài', 'Tân Xuân'],
    ['bp-bu-dang-duc-lieu', 'bu-dang', 'Bù Đăng', 'Đức Liễu']]) {
    const boxDir = path.join(dir, id);
    fs.mkdirSync(path.join(boxDir, 'state'), { recursive: true });
    execFileSync(loaxa, ['keygen', '--out', path.join(boxDir, 'box')]);
    const pub = execFileSync(loaxa, ['keygen', '--show-public', path.join(boxDir, 'box.key')]).toString().trim();
    execFileSync(loaxaHub, ['--config', hubToml, 'box', 'add', id, '--district', districtName, '--commune', commune,
      '--name', 'Đài truyền thanh xã ' + commune, '--key', pub]);
    boxApi[id] = await freePort();
    fs.writeFileSync(path.join(boxDir, 'loaxa.toml'), `[box]
id = "${id}"
name = "Đài truyền thanh xã ${commune}"
district = "${district}"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"
key = "box.key"

[channels.loudspeaker]
sink = "audioconvert ! audio/x-raw,format=S16LE ! filesink location=${boxDir}/out.raw"

[sync]
url = "http://127.0.0.1:${hubPort}/manifest.json"
interval = "60s"
wait = true
public_keys = ["${provincePub}"]

[airtime.push]
url = "http://127.0.0.1:${hubPort}/api/v1/ingest/airtime"
interval = "60s"
status_interval = "2s"

[api]
listen = ["127.0.0.1:${boxApi[id]}"]
`);
    const box = await start(id, [loaxad, '--config', path.join(boxDir, 'loaxa.toml')], 'loaxad: box ');
    await waitFor(id + ' to apply the manifest', () => box.log.includes(' applied: '), 20000, () => box.log);
  }
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  const failures = [];
  for (const p of procs.reverse()) {
    if (p.exitCode !== null) continue;
    const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve(code ?? signal)));
    p.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) failures.push(`${p.name} exited with ${code}:\n${p.log.slice(-3000)}`);
  }
  try { execFileSync('bash', [pgCluster, 'stop', path.join(dir, 'pg')]); } catch { /* already down */ }
  fs.rmSync(dir, { recursive: true, force: true });
  // Under ASan a leak or an error report makes the exit status non-zero.
  assert.deepEqual(failures, []);
});

test("a district officer issues an emergency from a phone and watches the receipts, in Vietnamese", async () => {
  const context = await browser.newContext({ ...devices['Pixel 5'], locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
  await page.goto(`http://127.0.0.1:${hubPort}/`);
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.textContent('#login h1'), 'Đăng nhập');
  await page.fill('#token', DONG_XOAI);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  // The audit log is the province's: a district officer's menu does not offer it.
  assert.equal(await page.isHidden('#nav-audit'), true);
  await page.click('#nav a[href="#khan-cap"]');
  await page.waitForSelector('text=Chưa có tin khẩn cấp nào');

  // The officer issues a storm warning from the phone: the district is its own, fixed.
  await page.waitForSelector('#issue');
  await shot('hub-khan-cap-phat-tin');
  assert.deepEqual(await page.$$eval('input[name=is-district]', (cs) => cs.map((c) => [c.value, c.checked, c.disabled])),
    [['dong-xoai', true, true]]);
  await page.fill('#is-text', 'Cơn bão số 4 đang tiến vào đất liền, đề nghị bà con chằng chống nhà cửa');
  await page.selectOption('#is-media', 'canh-bao-bao');
  const published = Date.now();
  await page.click('#issue button[type=submit]');
  await page.waitForURL(/#khan-cap\/khan-cap-/);
  // The page follows the receipts by itself (every 2 s).
  const district = ['bp-dong-xoai-tan-phu', 'bp-dong-xoai-tan-thanh', 'bp-dong-xoai-tan-xuan', 'bp-dong-xoai-tien-thanh'];
  for (const box of district) {
    await page.waitForSelector(`tr[data-box="${box}"][data-state="airing"]`, { timeout: 20000 });
  }
  const seen = (Date.now() - published) / 1000;
  console.log(`publish → "Đang phát" for the district's four boxes on the officer's phone: ${seen.toFixed(2)} s`);
  const rows = await page.$$eval('tr[data-box]', (trs) => trs.map((tr) => tr.dataset.box));
  assert.deepEqual(rows.sort(), district, 'only the district\'s boxes are targets');
  assert.match(await page.textContent('tr[data-box="bp-dong-xoai-tan-phu"]'), /Đang phát/);
  assert.match(await page.textContent('#page h1'), /Cơn bão số 4/);
  assert.match(await page.textContent('#page .card'), /Nơi nhận: Huyện Đồng Xoài/);
  await shot('hub-khan-cap-dang-phat');

  // Withdrawn while it sounds, from the same page: the box stops and the page says so.
  page.once('dialog', (d) => d.accept());
  await page.click('#withdraw');
  for (const box of district) {
    await page.waitForSelector(`tr[data-box="${box}"][data-state="aired"]`, { timeout: 20000 });
  }
  assert.match(await page.textContent('tr[data-box="bp-dong-xoai-tan-phu"]'), /Đã phát \(đã dừng\)/);
  assert.match(await page.textContent('#page .card'), /Đã thu hồi/);
  await shot('hub-khan-cap-da-thu-hoi');
  // The other district's box never had it.
  const other = procs.find((p) => p.name === 'bp-bu-dang-duc-lieu');
  assert.ok(!other.log.includes('started canh-bao-bao'), other.log);
  for (const box of district) {
    const p = procs.find((x) => x.name === box);
    assert.ok(p.log.includes('started canh-bao-bao'), p.log);
  }
  await context.close();
});

test("a district officer drafts a bulletin for three communes, previews its boxes, publishes it and sees a commune accept it", async () => {
  const context = await browser.newContext({ ...devices['Pixel 5'], locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
  await page.goto(`http://127.0.0.1:${hubPort}/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', DONG_XOAI);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  // The officer's own recording first: uploaded from the phone, checked by the hub.
  await page.click('#nav a[href="#thu-vien"]');
  await page.waitForSelector('text=Thư viện của trung tâm chưa có tệp nào');
  const recording = path.join(dir, 'Bản tin tháng 12.wav');
  toneWav(recording, 2);
  await page.setInputFiles('#lb-file', recording);
  await page.selectOption('#lb-topic', 'institutions');
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('tr[data-media="ban-tin-thang-12"]', { timeout: 20000 });
  const cells = await page.$$eval('tr[data-media="ban-tin-thang-12"] td', (tds) => tds.map((td) => td.textContent));
  assert.equal(cells[0], 'Bản tin tháng 12');
  assert.equal(cells[1], 'Âm thanh');
  assert.equal(cells[2], '0:02');
  assert.ok(Number(cells[3]) < -3 && Number(cells[3]) > -30, 'loudness measured: ' + cells[3]);
  // A playlist of the recording and the province's bulletin, in that order.
  await page.fill('#pl-name', 'Bản tin sáng tháng 12');
  await page.selectOption('#pl-pick', 'ban-tin-thang-12');
  await page.click('#pl-add');
  await page.selectOption('#pl-pick', 'ban-tin-cchc');
  await page.click('#pl-add');
  await page.click('#playlist button[type=submit]');
  await page.waitForSelector('tr[data-playlist="ban-tin-sang-thang-12"]');
  assert.equal(await page.textContent('tr[data-playlist="ban-tin-sang-thang-12"] td:nth-child(2)'), 'ban-tin-thang-12, ban-tin-cchc');
  await shot('hub-thu-vien');
  await page.click('#nav a[href="#ban-tin"]');
  await page.waitForSelector('text=Chưa có bản tin nào');
  await page.waitForSelector('#bulletin');
  assert.deepEqual(await page.$$eval('input[name=bt-district]', (cs) => cs.map((c) => [c.value, c.checked, c.disabled])),
    [['dong-xoai', true, true]]);
  // The district's four communes are offered (none of another district's); three ticked.
  assert.deepEqual(await page.$$eval('input[name=bt-box]', (cs) => cs.map((c) => c.value)),
    ['bp-dong-xoai-tan-phu', 'bp-dong-xoai-tan-thanh', 'bp-dong-xoai-tan-xuan', 'bp-dong-xoai-tien-thanh']);
  const three = ['bp-dong-xoai-tan-phu', 'bp-dong-xoai-tan-xuan', 'bp-dong-xoai-tien-thanh'];
  for (const box of three) await page.check(`input[name=bt-box][value="${box}"]`);
  assert.equal(await page.$$eval('#bt-media option[value="playlist:ban-tin-sang-thang-12"]', (o) => o.length), 1, 'the playlist is offered');
  await page.selectOption('#bt-media', 'ban-tin-thang-12');
  await page.fill('#bt-name', 'Bản tin cải cách hành chính tháng 12');
  await page.fill('#bt-start', '2099-02-02T07:00:00');
  await page.check('#bt-daily');
  await page.fill('#bt-until', '2099-02-28');
  await shot('hub-ban-tin-soan');
  await page.click('#bulletin button[type=submit]');
  // A draft first: its page lists the boxes it would reach, and nothing is signed.
  await page.waitForURL(/#ban-tin\/ban-tin-/);
  await page.waitForSelector('#bt-publish');
  assert.deepEqual((await page.$$eval('tr[data-box]', (trs) => trs.map((tr) => tr.dataset.box))).sort(), three);
  assert.match(await page.textContent('#page'), /Xem trước: bản tin sẽ tới các hộp sau/);
  const id = decodeURIComponent(page.url().split('#ban-tin/')[1]);
  const manifest = async () => (await fetch(`http://127.0.0.1:${hubPort}/manifest.json`)).json();
  assert.ok(!(await manifest()).schedules.some((s) => s.id === id), 'a draft is not signed');
  await shot('hub-ban-tin-xem-truoc');

  page.once('dialog', (d) => d.accept());
  await page.click('#bt-publish');
  // The boxes apply it and say so in their statuses: waiting for the communes' operators.
  for (const box of three) {
    await page.waitForSelector(`tr[data-box="${box}"][data-decision="waiting"]`, { timeout: 20000 });
  }
  const entry = (await manifest()).schedules.find((s) => s.id === id);
  assert.deepEqual([entry.targets.boxes, entry.targets.districts || []], [three, []], 'signed for the three communes only');
  const fourth = procs.find((p) => p.name === 'bp-dong-xoai-tan-thanh');
  const inbox = await (await fetch(`http://127.0.0.1:${boxApi['bp-dong-xoai-tan-thanh']}/api/v1/inbox`)).json();
  assert.ok(!JSON.stringify(inbox).includes(id), 'the fourth commune was not sent it: ' + JSON.stringify(inbox) + fourth.log.slice(-2000));
  assert.ok((await manifest()).schedules.some((s) => s.id === id && s.rrule === 'FREQ=DAILY' && s.media === 'ban-tin-thang-12'));
  assert.ok((await manifest()).media.some((m) => m.id === 'ban-tin-thang-12'), 'the upload is signed in with its bulletin');
  // The commune accepts it on its box; the hub's page follows by itself.
  const r = await fetch(`http://127.0.0.1:${boxApi['bp-dong-xoai-tan-phu']}/api/v1/inbox/${encodeURIComponent(id)}/accept`, { method: 'POST' });
  assert.equal(r.status, 200, await r.text());
  await page.waitForSelector('tr[data-box="bp-dong-xoai-tan-phu"][data-decision="accepted"]', { timeout: 20000 });
  assert.match(await page.textContent('tr[data-box="bp-dong-xoai-tan-phu"]'), /Xã đã nhận/);
  assert.match(await page.textContent('#decision-summary'), /Xã đã nhận: 1/);
  assert.match(await page.textContent('#page .card'), /Nơi nhận: Xã Tân Phú, Xã Tân Xuân, Xã Tiến Thành/);
  await shot('hub-ban-tin-xa-da-nhan');
  await context.close();
});

test("the province's admin reads in the audit log who issued and withdrew the emergency", async () => {
  const context = await browser.newContext({ ...devices['Pixel 5'], locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${hubPort}/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', ADMIN);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  await page.waitForSelector('#nav-audit:not([hidden])');
  await page.click('#nav-audit');
  await page.waitForSelector('tr[data-action="emergency.withdraw"]');
  const row = (action) => page.textContent(`tr[data-action="${action}"]`);
  assert.match(await row('emergency.issue'), /Phát tin khẩn cấp/);
  assert.match(await row('emergency.issue'), /phong-noi-vu-dong-xoai/);
  assert.match(await row('emergency.withdraw'), /Thu hồi tin khẩn cấp/);
  assert.match(await row('emergency.withdraw'), /phong-noi-vu-dong-xoai/);
  // Newest first: the withdrawal above the issue.
  const actions = await page.$$eval('tr[data-action]', (trs) => trs.map((tr) => tr.dataset.action));
  assert.ok(actions.indexOf('emergency.withdraw') < actions.indexOf('emergency.issue'), actions.join(' '));
  assert.match(await row('bulletin.publish'), /Phát hành bản tin/);
  await page.screenshot({ path: path.join(artifacts, 'hub-nhat-ky.png'), fullPage: true });
  await context.close();
});
