/**
 * Key rotation in fMP4 packages, proven frame by frame. Shaka Packager's decryptor does not
 * honour `seig` (on its own rotated output it asks for tenc's all-zero default KID: "Key for
 * key_id=00000000000000000000000000000000 was not found"), so the decryption here is the
 * seig-aware decryptor in test/oracles/seig-decrypt.ts, first cross-checked on Shaka Packager's
 * own rotated output (--crypto_period_duration with raw keys: Shaka's raw key source rotates the
 * KID and key bytes left by the period index). Then our package, one period per 1 s segment
 * (5 periods, 4 boundaries): decoded frames equal to the clear source; with one period's key
 * wrong, exactly that period's frames differ.
 */
import t from 'tap';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT, runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { framemd5, type FrameHash } from '../oracles/ffmpeg.js';
import { seigDecrypt } from '../oracles/seig-decrypt.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { createSegmentEncryptor } from '../../src/api/segment-encryptor.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import type { KeyProvider, KeyRequest, KeySet } from '../../src/keys/content-key.js';

const rotl = (b: Buffer, n: number): Buffer => Buffer.concat([b.subarray(n % b.length), b.subarray(0, n % b.length)]);
const hex = (b: Buffer) => b.toString('hex');
const PERIODS = 5;
const schedule = Array.from({ length: PERIODS }, (_, i) => ({
  kid: Buffer.from(`${(i + 1).toString(16)}`.repeat(32), 'hex'),
  key: Buffer.from(`c0ffee${i}${i}`.padEnd(32, String(i)), 'hex'),
}));
const WRONG = Buffer.alloc(16, 0x77);

/** Frames as (pts, frame hash) pairs; timestamps in the stream's time base. */
const frames = (f: FrameHash[]) => f.map((x) => `${x.pts}:${x.hash}`);
const FPS = 25;

async function framesOf(file: string): Promise<FrameHash[]> {
  return framemd5(file, { stream: 'video' });
}

/**
 * init + segments of one rendition, in order, as one file, without the segments' styp/sidx:
 * ffmpeg 5.1 reading a file with one sidx per segment loses track of the fragments' encryption
 * info after the first ("Incorrect number of samples in encryption info"), rotation or not.
 */
function joined(dir: string, init: string, prefix: string): Buffer {
  const segs = readdirSync(dir).filter((f) => f.startsWith(prefix)).sort();
  const fragments = (b: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    for (let o = 0; o < b.length;) {
      const size = b.readUInt32BE(o);
      const type = b.toString('latin1', o + 4, o + 8);
      if (type !== 'styp' && type !== 'sidx') out.push(b.subarray(o, o + size));
      o += size;
    }
    return out;
  };
  return Buffer.concat([readFileSync(path.join(dir, init)), ...segs.flatMap((s) => fragments(readFileSync(path.join(dir, s))))]);
}

/**
 * The clear package's boxes with the decrypted media data: encryption leaves every sample in
 * place (same mdat sizes), so the decrypted mdats drop into the clear file's structure. ffmpeg
 * 5.1 does not decode a joined DASH rendition whose moofs carry senc without a key
 * ("Incorrect number of samples in encryption info" after the first segment), rotation or not.
 */
function withMediaOf(clear: Buffer, decrypted: Buffer): Buffer {
  const mdats = (b: Buffer) => {
    const out: [number, number][] = [];
    for (let o = 0; o < b.length;) { const n = b.readUInt32BE(o); if (b.toString('latin1', o + 4, o + 8) === 'mdat') out.push([o, n]); o += n; }
    return out;
  };
  const a = mdats(clear);
  const b = mdats(decrypted);
  if (a.length !== b.length || a.some(([, n], i) => n !== b[i]![1])) throw new Error('the encrypted rendition\'s mdats do not match the clear one\'s');
  const out = Buffer.from(clear);
  a.forEach(([o, n], i) => decrypted.copy(out, o, b[i]![0], b[i]![0] + n));
  return out;
}

/**
 * Seconds of each frame of `a` that differs from the clear frame of the same pts in `clear`
 * (a frame missing from `a` counts as differing); a frame's time is its place in the clear
 * stream's pts order over the frame rate (constant 25 fps sources).
 */
function differingSeconds(a: FrameHash[], clear: FrameHash[]): number[] {
  const got = new Map(a.map((f) => [f.pts, f.hash]));
  return clear.map((f, i) => ({ f, s: i / FPS })).filter(({ f }) => got.get(f.pts) !== f.hash).map(({ s }) => s);
}

t.test('the seig decryptor, on Shaka Packager\'s own rotated output', async (t) => {
  const dir = scratchDir(t, 'segcrypt-rot-shaka-');
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const key = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
  const enc = path.join(dir, 'rot.mp4');
  await runTool(SHAKA_PACKAGER, [`in=${path.join(SAMPLES, 'media', 'avc.mp4')},stream=video,output=${enc}`,
    '--enable_raw_key_encryption', '--keys', `label=:key_id=${hex(kid)}:key=${hex(key)}`, '--protection_scheme', 'cenc',
    '--clear_lead', '0', '--crypto_period_duration', '2', '--segment_duration', '2', '--fragment_duration', '2', '--quiet']);
  const keys = new Map([0, 1, 2].map((i) => [hex(rotl(kid, i)), rotl(key, i)]));
  const r = seigDecrypt(readFileSync(enc), keys);
  t.same([...r.fragmentKids.values()][0], [0, 1, 2].map((i) => hex(rotl(kid, i))), 'each fragment names its own KID in seig');
  await writeFile(path.join(dir, 'dec.mp4'), r.clear);
  const clear = await framesOf(path.join(SAMPLES, 'media', 'avc.mp4'));
  const dec = await framesOf(path.join(dir, 'dec.mp4'));
  t.same(frames(dec), frames(clear), 'decrypted with every period\'s key: frames equal to the clear source');
  keys.set(hex(rotl(kid, 1)), WRONG);
  await writeFile(path.join(dir, 'bad.mp4'), seigDecrypt(readFileSync(enc), keys).clear);
  const bad = await framesOf(path.join(dir, 'bad.mp4')).catch(() => [] as FrameHash[]);
  const off = differingSeconds(bad, clear);
  t.ok(off.length > 0 && off.every((s) => s >= 2 && s < 4), `a wrong period-1 key spoils only frames in 2 s..4 s (${off.length} frames)`);
});

/** A DASH package with 1 s segments (key frame each second), 5 s, made by ffmpeg. */
async function clearPackage(dir: string): Promise<string> {
  const out = path.join(dir, 'clear');
  mkdirSync(out);
  await runTool('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=5',
    '-c:v', 'libx264', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '2',
    '-f', 'dash', '-seg_duration', '1', '-use_timeline', '0', path.join(out, 'manifest.mpd')], { timeoutMs: 120_000 });
  return out;
}

function staticSchedule(): KeySet {
  return { keys: schedule.map((k, i) => ({ ...k, period: `keyPeriod_${i}` })), drm: [], periods: schedule.map((_, i) => ({ id: `keyPeriod_${i}`, index: i })) };
}

t.test('encryptPackage keyPeriod: a key per 1 s period, seig per traf, frames exact across 4 boundaries', async (t) => {
  const dir = scratchDir(t, 'segcrypt-rot-');
  const src = await clearPackage(dir);
  const clearFile = path.join(dir, 'clear.mp4');
  const clearBytes = joined(src, 'init-stream0.m4s', 'chunk-stream0-');
  await writeFile(clearFile, clearBytes);
  const clear = await framesOf(clearFile);
  t.ok(clear.length >= 100, `${clear.length} clear frames`);
  for (const scheme of ['cenc', 'cbcs'] as const) {
    const out = path.join(dir, `out-${scheme}`);
    await encryptPackage(src, out, { scheme, keys: staticSchedule(), keyPeriod: 1 });
    const enc = joined(out, 'init-stream0.m4s', 'chunk-stream0-');
    const all = new Map(schedule.map((k) => [hex(k.kid), k.key]));
    const r = seigDecrypt(enc, all);
    t.same([...r.fragmentKids.values()][0], schedule.map((k) => hex(k.kid)), `${scheme}: segment i names period i's KID in its seig group`);
    t.ok(readFileSync(path.join(out, 'init-stream0.m4s')).includes(schedule[0]!.kid), `${scheme}: tenc keeps the first period's KID`);
    await writeFile(path.join(dir, `dec-${scheme}.mp4`), withMediaOf(clearBytes, r.clear));
    t.same(frames(await framesOf(path.join(dir, `dec-${scheme}.mp4`))), frames(clear), `${scheme}: decrypted frames equal the clear source in all ${PERIODS} periods`);
    // The first period's key alone (what a player ignoring seig would use) does not decrypt the rest.
    all.set(hex(schedule[2]!.kid), WRONG);
    await writeFile(path.join(dir, `bad-${scheme}.mp4`), withMediaOf(clearBytes, seigDecrypt(enc, all).clear));
    const bad = await framesOf(path.join(dir, `bad-${scheme}.mp4`)).catch(() => [] as FrameHash[]);
    const off = differingSeconds(bad, clear);
    t.ok(off.length > 0 && off.every((s) => s >= 2 && s < 3), `${scheme}: a wrong period-2 key spoils only frames in 2 s..3 s (${off.length} frames differ), periods 0, 1, 3, 4 decode to the clear frames`);
  }

  await t.test('keyPeriod 2 over 1 s segments: two segments per period', async (t) => {
    const out = path.join(dir, 'out-2s');
    await encryptPackage(src, out, { scheme: 'cenc', keys: staticSchedule(), keyPeriod: 2 });
    const r = seigDecrypt(joined(out, 'init-stream0.m4s', 'chunk-stream0-'), new Map(schedule.map((k) => [hex(k.kid), k.key])));
    const k = schedule.map((x) => hex(x.kid));
    t.same([...r.fragmentKids.values()][0], [k[0], k[0], k[1], k[1], k[2]]);
  });

  await t.test('a CPIX file with several ContentKeyPeriods: each period\'s key by its index, through KeyPeriodFilter', async (t) => {
    const uuid = (b: Buffer) => { const h = hex(b); return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`; };
    // Period ids that are not the default ones, listed out of order: only @index ties them to time.
    const order = [3, 0, 4, 1, 2];
    const cpix = `<?xml version="1.0" encoding="UTF-8"?>
<cpix:CPIX contentId="rot" version="2.3" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc">
  <cpix:ContentKeyList>${schedule.map((k) => `
    <cpix:ContentKey kid="${uuid(k.kid)}" commonEncryptionScheme="cenc"><cpix:Data><pskc:Secret><pskc:PlainValue>${k.key.toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`).join('')}
  </cpix:ContentKeyList>
  <cpix:ContentKeyPeriodList>${order.map((i) => `
    <cpix:ContentKeyPeriod id="live_${String.fromCharCode(97 + i)}" index="${i}"/>`).join('')}
  </cpix:ContentKeyPeriodList>
  <cpix:ContentKeyUsageRuleList>${schedule.map((k, i) => `
    <cpix:ContentKeyUsageRule kid="${uuid(k.kid)}" intendedTrackType="ALL"><cpix:KeyPeriodFilter periodId="live_${String.fromCharCode(97 + i)}"/></cpix:ContentKeyUsageRule>`).join('')}
  </cpix:ContentKeyUsageRuleList>
</cpix:CPIX>`;
    const file = path.join(dir, 'schedule.cpix.xml');
    await writeFile(file, cpix);
    const out = path.join(dir, 'out-cpix');
    await encryptPackage(src, out, { scheme: 'cenc', keys: keyProviderFromOptions({ cpixFile: file }), keyPeriod: 1 });
    const r = seigDecrypt(joined(out, 'init-stream0.m4s', 'chunk-stream0-'), new Map(schedule.map((k) => [hex(k.kid), k.key])));
    t.same([...r.fragmentKids.values()][0], schedule.map((k) => hex(k.kid)), 'segment i under the key whose KeyPeriodFilter names the period of index i');
  });

  await t.test('live: the per-segment API with keys added period by period gives the package\'s bytes', async (t) => {
    const iv = Buffer.from('0123456789abcdef', 'hex');
    const pkg = path.join(dir, 'out-live-ref');
    await encryptPackage(src, pkg, { scheme: 'cenc', keys: staticSchedule(), keyPeriod: 1, iv });
    const full = staticSchedule();
    const only = (i: number): KeySet => ({ keys: full.keys.filter((k) => k.period === `keyPeriod_${i}`), drm: [], periods: [{ id: `keyPeriod_${i}`, index: i }] });
    const enc = createSegmentEncryptor({ init: readFileSync(path.join(src, 'init-stream0.m4s')), scheme: 'cenc', keys: only(0), keyPeriod: 1, iv, streamIndex: 0 });
    t.teardown(() => enc.close());
    t.same(enc.encryptInit(), readFileSync(path.join(pkg, 'init-stream0.m4s')), 'init as the package\'s');
    for (let i = 0; i < PERIODS; i++) {
      const name = `chunk-stream0-0000${i + 1}.m4s`;
      const seg = readFileSync(path.join(src, name));
      t.equal(enc.periodOf(seg), i, `${name} is in period ${i}`);
      if (i > 0) await t.rejects(enc.encryptSegment(seg, i + 1), { code: 'ERR_NO_KEY_FOR_PERIOD' }, `${name} before period ${i}'s key arrived: refused`);
      enc.addKeys(only(i));
      t.same(await enc.encryptSegment(seg, i + 1), readFileSync(path.join(pkg, name)), `${name}: the package's bytes once its key is there`);
    }
  });

  await t.test('on a worker pool, with pssh in moof: the same bytes as in-thread', async (t) => {
    const iv = Buffer.from('fedcba9876543210', 'hex');
    const a = path.join(dir, 'out-pool0');
    const b = path.join(dir, 'out-pool2');
    await encryptPackage(src, a, { scheme: 'cenc', keys: staticSchedule(), keyPeriod: 1, psshInMoof: true, iv, poolSize: 0 });
    await encryptPackage(src, b, { scheme: 'cenc', keys: staticSchedule(), keyPeriod: 1, psshInMoof: true, iv, poolSize: 2 });
    for (let i = 1; i <= PERIODS; i++) {
      const name = `chunk-stream0-0000${i}.m4s`;
      t.same(readFileSync(path.join(b, name)), readFileSync(path.join(a, name)), name);
    }
  });

  await t.test('a period without a key is a typed error, never another period\'s key', async (t) => {
    const set = staticSchedule();
    set.keys = set.keys.filter((k) => k.period !== 'keyPeriod_3');
    await t.rejects(encryptPackage(src, path.join(dir, 'out-missing'), { scheme: 'cenc', keys: set, keyPeriod: 1 }), { code: 'ERR_NO_KEY_FOR_PERIOD' });
  });

  await t.test('SPEKE: the built-in key server is asked for each period; pssh in moof', async (t) => {
    const server = await startKeyServer({ secret: '5e7c0d2b9a4f61e83c27d95b0a1f6e4c8d3b72a9e05f14c6b8d29a37f0e5c1d4' });
    t.teardown(() => server.close());
    // A recording proxy in front of the key server: the request documents as sent.
    const bodies: string[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push(body.toString('utf8'));
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)).map(([k, v]) => [k, String(v)]));
        fetch(server.url, { method: req.method, headers, body }).then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/xml', ...(r.headers.get('x-speke-version') ? { 'x-speke-version': r.headers.get('x-speke-version')! } : {}) });
          res.end(Buffer.from(await r.arrayBuffer()));
        }, () => { res.writeHead(502); res.end(); });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => proxy.close(() => r())));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${new URL(server.url).pathname}`;
    const inner = keyProviderFromOptions({ spekeUrl: proxyUrl, contentId: 'rot', spekeVersion: 2, drm: ['widevine'] });
    const asked: KeyRequest[] = [];
    const sets: KeySet[] = [];
    const provider: KeyProvider = { async getKeys(req) { asked.push(req); const s = await inner.getKeys(req); sets.push(s); return s; } };
    const out = path.join(dir, 'out-speke');
    await encryptPackage(src, out, { scheme: 'cenc', keys: provider, keyPeriod: 1, psshInMoof: true });
    const indexes = [...new Set(asked.map((r) => r.period?.index))].sort();
    t.same(indexes, [0, 1, 2, 3, 4], 'one request per period');
    t.equal(bodies.length, PERIODS, 'one SPEKE request per period on the wire');
    for (let i = 0; i < PERIODS; i++) {
      const body = bodies.find((b) => b.includes(`index="${i}"`)) ?? '';
      t.match(body, new RegExp(`<cpix:ContentKeyPeriodList>\\s*<cpix:ContentKeyPeriod id="keyPeriod_${i}" index="${i}"\\s*/>`), `request ${i}: ContentKeyPeriodList with period ${i}`);
      t.match(body, new RegExp(`<cpix:KeyPeriodFilter periodId="keyPeriod_${i}"\\s*/>`), `request ${i}: usage rules filtered to period ${i}`);
    }
    const byKid = new Map(sets.flatMap((s) => s.keys.map((k) => [hex(k.kid), k.key] as const)));
    const periodKid = (i: number) => hex(sets[asked.findIndex((r) => r.period?.index === i)]!.keys.find((k) => !k.trackTypes || k.trackTypes.includes('video'))!.kid);
    const kids = Array.from({ length: PERIODS }, (_, i) => periodKid(i));
    t.equal(new Set(kids).size, PERIODS, 'the key server gave each period its own KID');
    const enc = joined(out, 'init-stream0.m4s', 'chunk-stream0-');
    const r = seigDecrypt(enc, byKid);
    t.same([...r.fragmentKids.values()][0], kids, 'each segment names its period\'s KID');
    await writeFile(path.join(dir, 'dec-speke.mp4'), withMediaOf(clearBytes, r.clear));
    t.same(frames(await framesOf(path.join(dir, 'dec-speke.mp4'))), frames(clear), 'frames equal the clear source');
    const seg3 = readFileSync(path.join(out, 'chunk-stream0-00003.m4s'));
    const widevine = sets.flatMap((s) => s.drm).find((d) => hex(d.kid) === kids[2] && d.pssh)?.pssh;
    t.ok(widevine && seg3.includes(widevine), 'segment 3 carries period 2\'s Widevine pssh in its moof');
    const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
    const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    t.match(mpd, `cenc:default_KID="${uuid(kids[0]!)}"`, 'MPD default_KID = tenc\'s, the first period\'s KID');
    t.notMatch(mpd, /<cenc:pssh>/, 'no pssh in the MPD (it would name the first period\'s KID only): it is in the moofs');
    t.match(mpd, /urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed/i, 'the Widevine descriptor stays, without init data');
  });
});

t.test('segcrypt package --key-period with --key KID:KEY@P', async (t) => {
  const dir = scratchDir(t, 'segcrypt-rot-cli-');
  const src = await clearPackage(dir);
  const out = path.join(dir, 'out');
  const args = [path.join(REPO_ROOT, 'bin', 'segcrypt.js'), 'package', src, out, '--scheme', 'cenc', '--key-period', '1', '--pssh-in-moof', '--quiet',
    ...schedule.flatMap((k, i) => ['--key', `${hex(k.kid)}:${hex(k.key)}@${i}`])];
  const code = await new Promise<number>((resolve) => spawn(process.execPath, args, { stdio: 'inherit', timeout: 120_000 }).on('close', (c) => resolve(c ?? -1)));
  t.equal(code, 0);
  const r = seigDecrypt(joined(out, 'init-stream0.m4s', 'chunk-stream0-'), new Map(schedule.map((k) => [hex(k.kid), k.key])));
  t.same([...r.fragmentKids.values()][0], schedule.map((k) => hex(k.kid)));
  const seg2 = readFileSync(path.join(out, 'chunk-stream0-00002.m4s'));
  t.ok(seg2.includes(schedule[1]!.kid) && seg2.includes(Buffer.from('pssh')), 'segment 2 has a pssh naming period 1\'s KID');
  const bad = await new Promise<number>((resolve) => spawn(process.execPath, [...args.slice(0, 4), path.join(dir, 'out2'), '--scheme', 'cenc', '--pssh-in-moof', '--key', `${hex(schedule[0]!.kid)}:${hex(schedule[0]!.key)}`], { timeout: 60_000 }).on('close', (c) => resolve(c ?? -1)));
  t.not(bad, 0, '--pssh-in-moof without --key-period is refused');
});
