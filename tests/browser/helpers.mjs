// What both browser tests need: a free loopback port, a tone as a WAV file, and a wait
// for an event with a deadline (never a fixed sleep).
import fs from 'node:fs';
import net from 'node:net';

// A loopback port nothing listens on, below the kernel's ephemeral range (32768-60999):
// a port listen(0) hands out may be taken by any outgoing connection before the server
// binds it. 15000-19999, apart from the C++ tests' 20000-31999 (tests/integration/process.cpp).
let nextPort = 15000 + (process.pid % 1000) * 5;
function listens(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
export async function freePort() {
  for (let i = 0; i < 5000; ++i) {
    const p = nextPort;
    nextPort = p + 1 >= 20000 ? 15000 : p + 1;
    if (await listens(p)) return p;
  }
  throw new Error('no free loopback port in 15000-19999');
}

// A 440 Hz mono 48 kHz WAV of `seconds`: what an operator records on a phone, more or less.
export function toneWav(file, seconds = 1.5) {
  const rate = 48000, n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(2 * rate, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(12000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + 2 * i);
  fs.writeFileSync(file, b);
}

// Polls `fn` until it returns something truthy; throws after `timeout` ms with the last
// result and `context()` (a log tail).
export async function waitFor(what, fn, timeout = 20000, context = () => '') {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));  // polling interval, not a wait for an outcome
  }
  throw new Error('timed out waiting for ' + what + ': ' + last + '\n' + context());
}
