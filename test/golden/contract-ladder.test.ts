/**
 * SPEKE v2 encryption contracts end to end: a DASH + HLS package (Shaka Packager, clear) with a
 * 320x180 / 1024x578 / 1920x1088 video ladder (the smallest sizes in each class: SD <= 1024x576
 * pixels, HD <= 1920x1080, UHD above; 10 fps) and stereo + 5.1 audio, encrypted with
 * PRESET-VIDEO-3 + PRESET-AUDIO-2 keys from the built-in key server.
 * - Each rendition's tenc (read by mp4box.js) carries the KID the server's usage rule of its
 *   class names (SD, HD, UHD, STEREO_AUDIO, MULTICHANNEL_AUDIO): not our own bookkeeping.
 * - ffmpeg decrypts each rendition with its own class's key to the clear frames, and not with
 *   another class's key.
 * - The MPD has one default_KID per AdaptationSet (sets split by key), validates against the
 *   schema; HLS media playlists each carry their rendition's KEYID, the master every key.
 * - shaka-player plays the DASH and the HLS package in Chromium with all keys.
 */
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import HLS from 'hls-parser';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { validateXml } from '../oracles/xmllint.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { framemd5Pipe, framemd5PipeLenient } from '../api/ffmpeg-pipe.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { KeyProvider, KeySet } from '../../src/keys/content-key.js';
import { playersSkipped, launchChromium, playInChromium } from '../players/fixtures/player-run.js';
import { startStaticServer } from '../players/fixtures/static-server.js';

const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'signaling', 'schema', 'mpd-protection.xsd');
const FF = ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y'];
const MEDIA = path.join(SAMPLES, 'media');

interface Rendition { name: string; kind: 'video' | 'audio'; cls: string; dir: string }
const RENDITIONS: Rendition[] = [
  { name: 'v180', kind: 'video', cls: 'SD', dir: 'v180' },
  { name: 'v578', kind: 'video', cls: 'HD', dir: 'v578' },
  { name: 'v1088', kind: 'video', cls: 'UHD', dir: 'v1088' },
  { name: 'stereo', kind: 'audio', cls: 'STEREO_AUDIO', dir: 'stereo' },
  { name: 'surround', kind: 'audio', cls: 'MULTICHANNEL_AUDIO', dir: 'surround' },
];

/**
 * Clear renditions (2 s at 10 fps, 1 s GOPs) and a Shaka Packager DASH + HLS package over them.
 * The classes go by pixel count, so each rung is just past its lower bound: a 3840x2160 rung cost
 * ~8x the CPU of 1920x1088 to encode and to decode three times (clear, right key, wrong key).
 */
async function buildLadder(work: string): Promise<string> {
  const src = path.join(work, 'src');
  mkdirSync(src, { recursive: true });
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-r', '10', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p'];
  for (const [name, size, rate] of [['v180', '320x180', '150k'], ['v578', '1024x578', '300k'], ['v1088', '1920x1088', '500k']] as const) {
    await runTool('nice', [...FF, '-t', '2', '-i', `${MEDIA}/avc.mp4`, '-s', size, ...x264, '-b:v', rate, '-an', path.join(src, `${name}.mp4`)], { timeoutMs: 300_000 });
  }
  await runTool('nice', [...FF, '-t', '2', '-i', `${MEDIA}/aac.mp4`, '-c:a', 'aac', '-ac', '2', '-b:a', '96k', path.join(src, 'stereo.mp4')], { timeoutMs: 60_000 });
  await runTool('nice', [...FF, '-t', '2', '-i', `${MEDIA}/aac.mp4`, '-af', 'pan=5.1|FL=c0|FR=c1|FC=c0|LFE=c1|BL=c0|BR=c1', '-c:a', 'aac', '-b:a', '192k', path.join(src, 'surround.mp4')], { timeoutMs: 60_000 });
  const pkg = path.join(work, 'pkg');
  mkdirSync(pkg, { recursive: true });
  const streams = RENDITIONS.map((r) => `in=${src}/${r.name}.mp4,stream=${r.kind},init_segment=${pkg}/${r.dir}/init.mp4,segment_template=${pkg}/${r.dir}/$Number$.m4s,playlist_name=${r.dir}.m3u8${r.kind === 'audio' ? `,hls_group_id=audio,hls_name=${r.name}` : ''}`);
  await runTool(SHAKA_PACKAGER, [...streams, '--segment_duration', '1', '--mpd_output', `${pkg}/manifest.mpd`, '--hls_master_playlist_output', `${pkg}/master.m3u8`, '--hls_playlist_type', 'VOD', '--quiet'], { timeoutMs: 120_000 });
  return pkg;
}

/** A rendition as one fragmented file (init + segments in order), for ffmpeg through a pipe. */
function joinRendition(pkg: string, dir: string, out: string): string {
  const files = readdirSync(path.join(pkg, dir)).filter((f) => /^\d+\.m4s$/.test(f)).sort((a, b) => parseInt(a) - parseInt(b));
  writeFileSync(out, Buffer.concat([readFileSync(path.join(pkg, dir, 'init.mp4')), ...files.map((f) => readFileSync(path.join(pkg, dir, f)))]));
  return out;
}

function recording(p: KeyProvider): KeyProvider & { last?: KeySet } {
  const r: KeyProvider & { last?: KeySet } = { async getKeys(req) { r.last = await p.getKeys(req); return r.last; } };
  return r;
}

const uuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

t.test('PRESET-VIDEO-3 + PRESET-AUDIO-2 ladder (DASH + HLS)', async (t) => {
  const work = scratchDir(t, 'segcrypt-ladder-');
  const clear = await buildLadder(work);
  const server = await startKeyServer();
  t.teardown(() => server.close());
  const keys = recording(new SpekeClient({ url: server.url, version: 2, drmSystems: ['widevine', 'playready'], videoPreset: 'PRESET-VIDEO-3', audioPreset: 'PRESET-AUDIO-2' }));
  const out = path.join(work, 'out');
  const result = await encryptPackage(clear, out, { scheme: 'cenc', keys, contentId: 'ladder-title' });
  t.equal(result.format, 'dash+hls');
  const set = keys.last!;
  const byClass = new Map(set.keys.map((k) => [k.intendedTrackType, k]));
  t.same([...byClass.keys()].sort(), ['HD', 'MULTICHANNEL_AUDIO', 'SD', 'STEREO_AUDIO', 'UHD'], 'the server answered the five keys of the contract');

  await t.test('each rendition carries its class\'s KID (tenc via mp4box.js) and decrypts only with its key', async (t) => {
    const seen = new Set<string>();
    for (const r of RENDITIONS) {
      const key = byClass.get(r.cls)!;
      const report = await protectionReport(path.join(out, r.dir, 'init.mp4'));
      const entry = report.entries[0];
      const tencKid = entry && 'defaultKid' in entry ? entry.defaultKid : undefined;
      t.equal(tencKid, key.kid.toString('hex'), `${r.name}: tenc default_KID is the ${r.cls} key's KID`);
      seen.add(String(tencKid));
      const enc = joinRendition(out, r.dir, path.join(work, `${r.name}.enc.mp4`));
      const stream = r.kind === 'video' ? 'v' : 'a';
      // Strict: ffmpeg must exit 0 and decode frames (else the oracle failed, not segcrypt).
      const ref = await framemd5Pipe(joinRendition(clear, r.dir, path.join(work, `${r.name}.clear.mp4`)), stream);
      t.ok(ref.digests.length > 10, `${r.name}: ${ref.digests.length} clear frames`);
      const good = await framemd5Pipe(enc, stream, key.key.toString('hex'));
      t.same(good.digests, ref.digests, `${r.name}: decrypted with the ${r.cls} key, frames = clear frames`);
      const otherCls = r.kind === 'video' ? (r.cls === 'SD' ? 'HD' : 'SD') : (r.cls === 'STEREO_AUDIO' ? 'MULTICHANNEL_AUDIO' : 'STEREO_AUDIO');
      const bad = await framemd5PipeLenient(enc, stream, byClass.get(otherCls)!.key.toString('hex'));
      t.notSame(bad.digests, ref.digests, `${r.name}: the ${otherCls} key does not give the clear frames`);
    }
    t.equal(seen.size, 5, 'five renditions, five KIDs');
    t.same(result.renditions.map((x) => x.kid).sort(), [...seen].sort(), 'the result reports the same KIDs per rendition');
  });

  await t.test('MPD: AdaptationSets split by key, one default_KID each, schema-valid', async (t) => {
    const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
    const sets = mpd.split(/<AdaptationSet\b/).slice(1).map((s) => s.slice(0, s.indexOf('</AdaptationSet>')));
    t.equal(sets.length, 5, 'one AdaptationSet per key');
    for (const s of sets) {
      const kids = [...s.matchAll(/cenc:default_KID="([^"]+)"/g)].map((m) => m[1]);
      t.equal(kids.length, 1, 'exactly one default_KID in the set');
      const reps = [...s.matchAll(/<Representation\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
      t.equal(reps.length, 1, `the set holds the one Representation of its key (${reps.join(',')})`);
    }
    const ids = [...mpd.matchAll(/<AdaptationSet\b[^>]*\bid="(\d+)"/g)].map((m) => m[1]);
    t.equal(new Set(ids).size, ids.length, 'AdaptationSet ids stay unique');
    for (const r of RENDITIONS) t.match(mpd, uuid(byClass.get(r.cls)!.kid.toString('hex')), `${r.cls} KID signaled`);
    const file = path.join(out, 'manifest.mpd');
    const v = await validateXml(file, SCHEMA); // Debian's xmllint, else xmllint-wasm
    t.ok(v.valid, `${v.validator}: the MPD validates`, { report: v.report });
  });

  await t.test('HLS: each media playlist has its rendition\'s KEYID; the master lists every key', async (t) => {
    for (const r of RENDITIONS) {
      const text = readFileSync(path.join(out, `${r.dir}.m3u8`), 'utf8');
      const pl = HLS.parse(text) as { segments: { key?: { keyId?: string } }[] };
      const kid = byClass.get(r.cls)!.kid.toString('hex');
      t.match(text, new RegExp(`KEYID=0x${kid}`, 'i'), `${r.dir}.m3u8: KEYID of the ${r.cls} key`);
      for (const other of RENDITIONS.filter((o) => o.cls !== r.cls)) t.notMatch(text, new RegExp(byClass.get(other.cls)!.kid.toString('hex'), 'i'), `${r.dir}.m3u8: no ${other.cls} KID`);
      t.ok(pl.segments.length > 0, `${r.dir}.m3u8 parses with hls-parser`);
    }
    const master = readFileSync(path.join(out, 'master.m3u8'), 'utf8');
    for (const k of set.keys) t.match(master, new RegExp(`#EXT-X-SESSION-KEY:[^\\n]*KEYID=0x${k.kid.toString('hex')}`, 'i'), `master: session key for ${k.intendedTrackType}`);
  });

  await t.test('shaka-player plays the DASH and the HLS package with all keys', { skip: playersSkipped }, async (t) => {
    const browser = await launchChromium();
    const web = await startStaticServer();
    t.teardown(async () => { await browser.close(); await web.close(); });
    const base = web.mount('ladder', out);
    const clearKeys = Object.fromEntries(set.keys.map((k) => [k.kid.toString('hex'), k.key.toString('hex')]));
    for (const manifest of ['manifest.mpd', 'master.m3u8']) {
      const r = await playInChromium(browser, web, { player: 'shaka', url: base + manifest, clearKeys, targetTime: 1.5, timeoutMs: 60_000 });
      t.ok(r.played, `${manifest}: plays past 1.5 s with no error`, { currentTime: r.last.currentTime, errors: r.errors.slice(0, 3) });
    }
  });
});
