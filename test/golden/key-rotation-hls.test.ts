/**
 * Key rotation in HLS MPEG-TS AES-128 packages: each 1 s segment is its own key period (5
 * periods, 4 boundaries). The media playlist gets a new EXT-X-KEY at each boundary, before the
 * period's first segment, with the period's key URI ({kid}); openssl decrypts each segment with
 * its period's key (and IV as the playlist states it) to the input bytes, and not with the
 * previous period's key; ffmpeg plays the playlist across every key change to frames equal to
 * the clear playlist's.
 */
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames } from './ts-hls-oracle.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import type { KeySet } from '../../src/keys/content-key.js';

const PERIODS = 5;
const schedule = Array.from({ length: PERIODS }, (_, i) => ({ kid: Buffer.alloc(16, 0x10 + i), key: Buffer.alloc(16, 0xa0 + i) }));
const set = (): KeySet => ({ keys: schedule.map((k, i) => ({ ...k, period: `keyPeriod_${i}` })), drm: [] });
const hex = (b: Buffer) => b.toString('hex');

/** A clear 5 s HLS package in `src`: 1 s segments (1 s GOPs), MPEG-TS or fMP4. */
async function clearHls(src: string, kind: 'ts' | 'fmp4'): Promise<void> {
  const segments = kind === 'ts' ? ['-hls_segment_filename', path.join(src, 'seg_%03d.ts')]
    : ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', path.join(src, 'seg_%03d.m4s')];
  await runTool('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=5',
    '-c:v', 'libx264', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', ...segments, path.join(src, 'index.m3u8')], { timeoutMs: 120_000 });
}

async function openssl(file: string, key: Buffer, iv: string): Promise<Buffer | undefined> {
  const out = `${file}.dec`;
  const r = await runTool('openssl', ['enc', '-d', '-aes-128-cbc', '-K', hex(key), '-iv', iv, '-in', file, '-out', out], { lenient: true });
  return r.exitCode === 0 ? readFileSync(out) : undefined;
}

t.test('TS AES-128: an EXT-X-KEY per period, segments under their period\'s key, ffmpeg follows the changes', async (t) => {
  const dir = scratchDir(t, 'segcrypt-rot-hls-');
  const src = path.join(dir, 'clear');
  mkdirSync(src);
  await clearHls(src, 'ts');
  const out = path.join(dir, 'out');
  await encryptPackage(src, out, { scheme: 'aes-128', keys: set(), keyPeriod: 1, keyUri: 'keys/{kid}.key' });
  const lines = readFileSync(path.join(out, 'index.m3u8'), 'utf8').split('\n');
  const keyTags = lines.filter((l) => l.startsWith('#EXT-X-KEY:'));
  t.equal(keyTags.length, PERIODS, 'one EXT-X-KEY per period');
  // Which key line is in force for each segment, in playlist order.
  const inForce: string[] = [];
  let current = '';
  for (const l of lines) {
    if (l.startsWith('#EXT-X-KEY:')) current = l;
    else if (l.endsWith('.ts')) inForce.push(current);
  }
  t.equal(inForce.length, PERIODS);
  for (let i = 0; i < PERIODS; i++) {
    const tag = inForce[i]!;
    t.match(tag, `URI="keys/${hex(schedule[i]!.kid)}.key"`, `segment ${i}: its period's key URI`);
    const iv = /IV=0x([0-9a-fA-F]{32})/.exec(tag)?.[1] ?? i.toString(16).padStart(32, '0');
    const seg = path.join(out, `seg_00${i}.ts`);
    const clear = await openssl(seg, schedule[i]!.key, iv);
    t.ok(clear && clear.equals(readFileSync(path.join(src, `seg_00${i}.ts`))), `segment ${i}: openssl with period ${i}'s key gives the input bytes`);
    if (i > 0) {
      const wrong = await openssl(seg, schedule[i - 1]!.key, iv);
      t.notOk(wrong?.equals(readFileSync(path.join(src, `seg_00${i}.ts`))), `segment ${i}: not with period ${i - 1}'s key`);
    }
  }
  // The keys are served beside the playlist (segcrypt never writes them into a package).
  mkdirSync(path.join(out, 'keys'));
  for (const k of schedule) writeFileSync(path.join(out, 'keys', `${hex(k.kid)}.key`), k.key);
  const clearFrames = await hlsFrames(path.join(src, 'index.m3u8'), { stream: 'v' });
  const played = await hlsFrames(path.join(out, 'index.m3u8'), { stream: 'v' });
  t.ok(clearFrames.length >= 120, `${clearFrames.length} clear frames`);
  t.same(played, clearFrames, 'ffmpeg plays the rotated playlist to the clear frames');
  // With period 3's key file holding period 2's key, the frames of 3 s..4 s (and only those) change.
  writeFileSync(path.join(out, 'keys', `${hex(schedule[3]!.kid)}.key`), schedule[2]!.key);
  const spoiled = await hlsFrames(path.join(out, 'index.m3u8'), { stream: 'v' });
  const good = new Map(clearFrames.map((f) => [f.split(',')[1], f]));
  const off = clearFrames.map((f, i) => ({ f, s: i / 25 })).filter(({ f }) => !spoiled.includes(f)).map(({ s }) => s);
  t.ok(off.length > 0 && off.every((s) => s >= 3 && s < 4), `a wrong period-3 key spoils only frames in 3 s..4 s (${off.length} of ${good.size})`);
  // One key URI for every period would give players period 0's key for all: refused.
  await t.rejects(encryptPackage(src, path.join(dir, 'out2'), { scheme: 'aes-128', keys: set(), keyPeriod: 1, keyUri: 'https://k/key' }), { code: 'ERR_KEY_URI_ROTATION' });
});

t.test('TS SAMPLE-AES: each segment is what a one-key package with its period\'s key makes', async (t) => {
  // ffmpeg 5.1 is no frame oracle here: it decrypts PES data buffered across a segment boundary
  // with the next segment's key/IV (frames differ at boundaries even with one key). So each
  // rotated segment is compared with the same segment of a package under its period's key alone
  // (same IV), whose SAMPLE-AES output test/golden/ts-sample-aes.test.ts proves.
  const dir = scratchDir(t, 'segcrypt-rot-hlss-');
  const src = path.join(dir, 'clear');
  mkdirSync(src);
  await clearHls(src, 'ts');
  const iv = Buffer.alloc(16, 0x5a);
  const out = path.join(dir, 'out');
  await encryptPackage(src, out, { scheme: 'sample-aes', keys: set(), keyPeriod: 1, keyUri: 'keys/{kid}.key', iv });
  const text = readFileSync(path.join(out, 'index.m3u8'), 'utf8');
  t.equal(text.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES')).length, PERIODS, 'a SAMPLE-AES key line per period');
  for (let i = 0; i < PERIODS; i++) {
    const one = path.join(dir, `one-${i}`);
    await encryptPackage(src, one, { scheme: 'sample-aes', keys: { keys: [schedule[i]!], drm: [] }, keyUri: 'k', iv });
    t.same(readFileSync(path.join(out, `seg_00${i}.ts`)), readFileSync(path.join(one, `seg_00${i}.ts`)), `seg_00${i}.ts: as under period ${i}'s key alone`);
  }
});

t.test('fMP4 HLS cbcs: each period\'s EXT-X-KEY names its KID (skd://{kid}), each segment its seig KID', async (t) => {
  const dir = scratchDir(t, 'segcrypt-rot-hlsf-');
  const src = path.join(dir, 'clear');
  mkdirSync(src);
  await clearHls(src, 'fmp4');
  const out = path.join(dir, 'out');
  await encryptPackage(src, out, { scheme: 'cbcs', keys: set(), keyPeriod: 1, keyUri: 'skd://{kid}' });
  const lines = readFileSync(path.join(out, 'index.m3u8'), 'utf8').split('\n');
  const inForce: string[] = [];
  let current = '';
  for (const l of lines) {
    if (l.startsWith('#EXT-X-KEY:') && l.includes('skd://')) current = l;
    else if (l.endsWith('.m4s')) inForce.push(current);
  }
  t.same(inForce.map((l) => /skd:\/\/([0-9a-f]{32})/.exec(l)?.[1]), schedule.map((k) => hex(k.kid)), 'segment i is under period i\'s skd:// key line');
  const mapAt = lines.findIndex((l) => l.startsWith('#EXT-X-MAP'));
  t.ok(lines.findIndex((l) => l.startsWith('#EXT-X-KEY')) < mapAt, 'the first key line covers the init segment (before EXT-X-MAP)');
  const segs = schedule.map((_, i) => readFileSync(path.join(out, `seg_00${i}.m4s`)));
  t.ok(segs.every((s, i) => s.includes(schedule[i]!.kid) && schedule.every((o, j) => j === i || !s.includes(o.kid))), 'segment i carries period i\'s KID (seig) and no other period\'s');
});
