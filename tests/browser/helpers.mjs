// What both browser tests need: a free loopback port, a tone as a WAV file, and a wait
// for an event with a deadline (never a fixed sleep).
import fs from 'node:fs';
import net from 'node:net';

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
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
