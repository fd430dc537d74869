/**
 * One golden case: encrypt a clear sample with segcrypt's encryptFile, then prove it with
 * independent oracles — mp4box.js structure, Shaka Packager's reference layout, ffmpeg and
 * Shaka decryption to the exact clear frames, and wrong-key twins that must differ.
 */
import type { Test } from 'tap';
import path from 'node:path';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { frameContents, frameDigests, framemd5, framemd5Lenient, probePackets, type FrameHash } from '../oracles/ffmpeg.js';
import { protectionReport, type ProtectionReport } from '../oracles/mp4box-js.js';
import { ffmpegDecrypts, shakaDecrypts, TEST_KEYS, testIv, type SampleMedia } from '../oracles/matrix.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { shakaDecrypt, shakaDecryptLenient, shakaEncrypt, type CencScheme, type ShakaKey } from '../oracles/shaka.js';
import { expectedEntry, pickExpectedFields, trackLayout } from './fmp4-expectations.js';
import { overlappingCounterRanges } from './ctr-counter-ranges.js';

const COMMON_SYSTEM_ID = '1077efecc0b24d02ace33c1e52e2fb4b';
/** Wrong-key twins decode this much only: a difference shows in the first frames. */
const NEGATIVE_SECONDS = 1;

const keyFor = (type: 'video' | 'audio') => TEST_KEYS[type];
const shakaKeys = (wrong = false): ShakaKey[] => (['video', 'audio'] as const).map((type) =>
  ({ label: type.toUpperCase(), kid: keyFor(type).kid, key: wrong ? TEST_KEYS.wrong : keyFor(type).key }));

/** Clear frames of each sample, decoded once per process. */
const clearCache = new Map<string, Promise<FrameHash[]>>();
function clearFrames(file: string, type: 'video' | 'audio', seconds?: number): Promise<FrameHash[]> {
  const k = `${file}|${type}|${seconds ?? 'all'}`;
  let p = clearCache.get(k);
  if (!p) { p = framemd5(file, { stream: type, seconds }); clearCache.set(k, p); }
  return p;
}

function checkStructure(t: Test, report: ProtectionReport, media: SampleMedia, scheme: CencScheme, iv: Buffer): void {
  t.same(report.parseErrors, [], 'mp4box.js parses the output without errors');
  t.equal(report.clearEntries.length, 0, 'no track left with a clear sample entry');
  t.equal(report.entries.length, media.tracks.length, 'one protected sample entry per track');
  media.tracks.forEach(({ type, codec }, i) => {
    const entry = report.entries[i];
    if (!entry) return;
    t.same(pickExpectedFields(entry), expectedEntry(scheme, type, codec, keyFor(type).kid, iv),
      `track ${entry.trackId} (${type}): ${entry.entryType}/${entry.originalFormat}, schm ${entry.schemeType}, tenc v${entry.tencVersion}, IV ${entry.perSampleIvSize}, KID`);
    t.same(entry.sinfChildren, ['frma', 'schm', 'schi'], 'sinf holds frma, schm, schi');
    if (scheme === 'cbcs') t.equal(entry.constantIv, iv.toString('hex'), 'cbcs: constant IV is the one asked for');
  });
  const kids = media.tracks.map(({ type }) => keyFor(type).kid.toString('hex'));
  const common = report.pssh.find((p) => p.systemId === COMMON_SYSTEM_ID);
  t.ok(common, 'moov holds a W3C common pssh');
  for (const kid of kids) t.ok(common?.kids.includes(kid), `common pssh lists KID ${kid}`);

  const frags = report.fragments.filter((f) => f.trunSampleCount > 0);
  t.ok(frags.length >= media.tracks.length * 3, `${frags.length} track fragments with samples`);
  // With no per-sample IV and no subsamples (cbcs audio) every aux-info entry is empty:
  // saiz/saio may then be left out, as Shaka does.
  const emptyAux = (trackId: number, flags: number): boolean =>
    (report.entries.find((e) => e.trackId === trackId)?.perSampleIvSize ?? 0) === 0 && (flags & 0x2) === 0;
  const badAux = frags.filter((f) => {
    if (!f.senc || f.senc.sampleCount !== f.trunSampleCount) return true;
    if (emptyAux(f.trackId, f.senc.flags) && !f.saiz && !f.saio) return false;
    return !f.saiz || f.saiz.sampleCount !== f.trunSampleCount || f.saioPointsIntoSenc !== true;
  });
  t.same(badAux.map((f) => `moof#${f.moofIndex}/track ${f.trackId}: ${f.boxOrder.join(',')}`), [],
    'every traf: senc and saiz count every trun sample, saio points at the first IV in senc');
  t.same(frags.filter((f) => !f.trunDataInMdat).map((f) => `moof#${f.moofIndex}/track ${f.trackId}`), [],
    'every trun data_offset still lands in the mdat after its grown moof');
}

async function checkSubsamples(t: Test, report: ProtectionReport, media: SampleMedia, scheme: CencScheme): Promise<void> {
  for (const [i, { type, codec }] of media.tracks.entries()) {
    const entry = report.entries[i];
    if (!entry) continue;
    const sizes = (await probePackets(media.file, type)).map((p) => p.size);
    const samples = report.fragments.filter((f) => f.trackId === entry.trackId).flatMap((f) => f.senc?.samples ?? []);
    t.equal(samples.length, sizes.length, `${type}: one senc entry per sample (${sizes.length})`);
    const problems: string[] = [];
    samples.forEach((s, n) => {
      if (s.subsamples.length === 0) { if (type === 'video') problems.push(`sample ${n}: no subsamples`); return; }
      const total = s.subsamples.reduce((a, [c, p]) => a + c + p, 0);
      if (total !== sizes[n]) problems.push(`sample ${n}: subsamples cover ${total} of ${sizes[n]} bytes`);
      // cbcs may leave a partial block unencrypted inside a range; the other schemes align (23001-7 §10).
      if (type === 'video' && scheme !== 'cbcs' && s.subsamples.some(([, p]) => p % 16 !== 0)) problems.push(`sample ${n}: protected range not a multiple of 16`);
      // AV1/VP9: a frame with under 16 bytes of coded data, or one only showing an earlier frame,
      // has nothing to protect under their bindings (Shaka agrees: test/isobmff/frame-subsamples-vs-shaka.test.ts).
      if (type === 'video' && codec !== 'av1' && codec !== 'vp9' && s.subsamples.every(([, p]) => p === 0)) problems.push(`sample ${n}: nothing protected`);
    });
    t.same(problems.slice(0, 5), [], type === 'video'
      ? `video: subsample maps cover each sample exactly${scheme !== 'cbcs' ? ', protected ranges block-aligned' : ''}`
      : 'audio: full-sample encryption (or subsamples covering each sample exactly)');
    if (scheme !== 'cbcs') {
      const ivs = samples.map((s) => s.iv);
      t.equal(new Set(ivs).size, ivs.length, `${type}: per-sample IVs are unique`);
    }
    if ((scheme === 'cenc' || scheme === 'cens') && entry.perSampleIvSize === 16) {
      const pattern = { crypt: entry.cryptByteBlock, skip: entry.skipByteBlock };
      t.same(overlappingCounterRanges(samples, sizes, scheme, pattern).slice(0, 5), [],
        `${type}: 16-byte IVs leave room for each sample's counter blocks (no keystream reuse)`);
    }
  }
}

async function checkAgainstShaka(t: Test, dir: string, report: ProtectionReport, media: SampleMedia, scheme: CencScheme, iv: Buffer): Promise<void> {
  for (const [i, { type }] of media.tracks.entries()) {
    const ref = path.join(dir, `shaka-ref-${type}.mp4`);
    await shakaEncrypt({ input: media.file, streams: [{ stream: type, output: ref, drmLabel: type.toUpperCase() }], scheme, keys: shakaKeys(), iv });
    const refReport = await protectionReport(ref);
    const ours = report.entries[i];
    const theirs = refReport.entries[0];
    if (!ours || !theirs) { t.fail(`${type}: no protected entry to compare`); continue; }
    t.same(trackLayout(report, ours.trackId), trackLayout(refReport, theirs.trackId),
      `${type}: tenc version/IV sizes/pattern, sinf, senc flags and senc/saiz/saio presence match Shaka's ${scheme}`);
  }
}

async function checkDecryption(t: Test, dir: string, out: string, media: SampleMedia, scheme: CencScheme): Promise<void> {
  for (const { type, codec } of media.tracks) {
    const clearAll = await clearFrames(media.file, type);
    const clear = frameDigests(clearAll);
    const clearHead = frameContents(await clearFrames(media.file, type, NEGATIVE_SECONDS));
    const { key } = keyFor(type);
    // An oracle that crashes is a failed assertion, not an aborted case: the others still report.
    const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
      try { await fn(); } catch (e) { t.fail(`${what}: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`); }
    };
    if (ffmpegDecrypts(scheme, codec)) {
      await attempt(`ffmpeg decrypts ${type}`, async () => {
        t.same(frameDigests(await framemd5(out, { stream: type, decryptionKey: key })), clear, `ffmpeg decrypts ${type} to the clear frames (${clear.length}, timestamps included)`);
      });
      const bad = await framemd5Lenient(out, { stream: type, decryptionKey: TEST_KEYS.wrong, seconds: NEGATIVE_SECONDS });
      t.notSame(frameContents(bad.frames), clearHead, `ffmpeg, wrong key: ${type} frames differ (exit ${bad.exitCode})`);
    } else {
      t.comment(`ffmpeg skipped for ${scheme} ${codec}: known wrong (README compatibility matrix)`);
    }
    if (shakaDecrypts(scheme, codec)) {
      const dec = path.join(dir, `shaka-dec-${type}.mp4`);
      await attempt(`Shaka decrypts ${type}`, async () => {
        await shakaDecrypt({ input: out, streams: [{ stream: type, output: dec, drmLabel: type.toUpperCase() }], keys: shakaKeys() });
        t.same(frameContents(await framemd5(dec, { stream: type })), frameContents(clearAll), `Shaka decrypts ${type} to the clear frames (content and order)`);
      });
      const decBad = path.join(dir, `shaka-bad-${type}.mp4`);
      const r = await shakaDecryptLenient({ input: out, streams: [{ stream: type, output: decBad, drmLabel: type.toUpperCase() }], keys: shakaKeys(true) });
      const badFrames = r.exitCode === 0 ? frameContents((await framemd5Lenient(decBad, { stream: type, seconds: NEGATIVE_SECONDS })).frames) : [];
      t.notSame(badFrames, clearHead, `Shaka, wrong key: ${type} frames differ (exit ${r.exitCode})`);
    }
  }
}

/** Run every check for one sample and scheme; sub-steps are separate assertions in `t`. */
export async function goldenFmp4Case(t: Test, media: SampleMedia, scheme: CencScheme, options: { iv?: Buffer } = {}): Promise<void> {
  const dir = scratchDir(t, `segcrypt-golden-${scheme}-${media.name}-`);
  const out = path.join(dir, 'enc.mp4');
  const iv = options.iv ?? testIv(scheme);
  const keys = new StaticKeys([
    { ...TEST_KEYS.video, trackTypes: ['video'] },
    { ...TEST_KEYS.audio, trackTypes: ['audio'] },
  ]);
  const result = await encryptFile(media.file, out, { scheme, keys, iv });
  t.equal(result.scheme, scheme, 'result names the scheme');
  t.same(result.tracks.map((tr) => [tr.type, tr.kid]), media.tracks.map(({ type }) => [type, keyFor(type).kid.toString('hex')]),
    'result lists each track with its own KID');

  const report = await protectionReport(out);
  checkStructure(t, report, media, scheme, iv);
  await checkSubsamples(t, report, media, scheme);
  await checkAgainstShaka(t, dir, report, media, scheme, iv);
  await checkDecryption(t, dir, out, media, scheme);
}
