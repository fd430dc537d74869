import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptTsFile } from '../../src/api/encrypt-ts.js';
import { runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames, writeMediaPlaylist } from './ts-hls-oracle.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const keys = { keys: [{ kid, key }], drm: [] };
const segs = ['seg_000.ts', 'seg_001.ts', 'seg_002.ts'];

t.test('AES-128: ffmpeg decodes our HLS segments to the clear frames; a wrong key does not', async (t) => {
  const dir = scratchDir(t);
  const entries = [];
  for (const [i, s] of segs.entries()) {
    const r = await encryptTsFile(path.join(SAMPLES, 'hls-ts', s), path.join(dir, s), { scheme: 'aes-128', keys, sequenceNumber: i });
    t.equal(r.container, 'ts');
    t.equal(r.extXKey, `#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x${i.toString(16).padStart(32, '0')}`, 'IV is the media sequence number');
    t.equal(r.bytesOut, readFileSync(path.join(dir, s)).length);
    entries.push({ file: s, duration: 2, extXKey: r.extXKey });
  }
  writeFileSync(path.join(dir, 'key.bin'), key);
  const playlist = writeMediaPlaylist(dir, entries);
  const clear = await hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'));
  t.ok(clear.length > 300, `${clear.length} clear frames`);
  t.same(await hlsFrames(playlist), clear, 'identical decoded frames, video and audio');

  writeFileSync(path.join(dir, 'key.bin'), Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'));
  const wrong = await hlsFrames(playlist, { seconds: 1, lenient: true });
  const clearFirst = await hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'), { seconds: 1 });
  t.ok(clearFirst.length > 50);
  t.notSame(wrong, clearFirst, 'wrong key: different (or no) frames');
});

t.test('AES-128: openssl enc -d gives back the exact clear bytes (explicit IV)', async (t) => {
  const dir = scratchDir(t);
  const input = path.join(SAMPLES, 'ts', 'avc-aac.ts');
  const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
  const r = await encryptTsFile(input, path.join(dir, 'enc.ts'), { scheme: 'aes-128', keys, iv, keyUri: 'https://keys.example/k1' });
  t.equal(r.extXKey, `#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example/k1",IV=0x${iv.toString('hex').toUpperCase()}`);
  const size = readFileSync(input).length;
  t.equal(r.bytesOut, (Math.floor(size / 16) + 1) * 16, 'PKCS7 always adds 1..16 bytes');
  await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-in', path.join(dir, 'enc.ts'), '-out', path.join(dir, 'dec.ts')]);
  t.ok(readFileSync(path.join(dir, 'dec.ts')).equals(readFileSync(input)), 'byte-exact');
  const bad = await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', 'ffeeddccbbaa99887766554433221100', '-iv', iv.toString('hex'), '-in', path.join(dir, 'enc.ts'), '-out', path.join(dir, 'bad.ts')], { lenient: true });
  t.ok(bad.exitCode !== 0 || !readFileSync(path.join(dir, 'bad.ts')).equals(readFileSync(input)), 'wrong key: not the clear bytes');
});
