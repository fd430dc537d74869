/**
 * encryptPackage refuses what it cannot do with typed errors naming the file or element, and
 * never leaves a half-written package: no output directory, no temporary directory.
 */
import t, { type Test } from 'tap';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { watchFsActivity } from './fs-activity.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { protectionReportFromBuffer } from '../oracles/mp4box-js.js';
import type { KeySet } from '../../src/keys/content-key.js';

const keys: KeySet = { keys: [{ kid: Buffer.alloc(16, 0x11), key: Buffer.alloc(16, 0x22) }], drm: [] };

function copySample(t: Test, sample: string): { work: string; input: string; out: string } {
  const work = scratchDir(t, 'segcrypt-pkg-err-');
  const input = path.join(work, 'in');
  cpSync(path.join(SAMPLES, sample), input, { recursive: true });
  return { work, input, out: path.join(work, 'out') };
}

/** Nothing but the input is left in the work dir. */
function nothingWritten(t: Test, work: string): void {
  t.same(readdirSync(work), ['in'], 'no output and no temporary directory left');
}

t.test('a segment the manifest names is missing', async (t) => {
  const { work, input, out } = copySample(t, 'dash-shaka');
  rmSync(path.join(input, 'video', '2.m4s'));
  await t.rejects(encryptPackage(input, out, { scheme: 'cenc', keys }), { code: 'ERR_PACKAGE_MISSING_FILE', message: /video\/2\.m4s/ });
  nothingWritten(t, work);
});

t.test('a corrupt segment fails mid-way: nothing written', async (t) => {
  const { work, input, out } = copySample(t, 'dash');
  const f = path.join(input, 'chunk-stream1-00002.m4s');
  const b = readFileSync(f);
  b.writeUInt32BE(b.length * 4, 24 + 52); // moof size past the end of the file
  writeFileSync(f, b);
  const e = await encryptPackage(input, out, { scheme: 'cenc', keys }).then(() => undefined, (x: { category?: string; code?: string; message?: string }) => x);
  t.equal(e?.category, 'input', `a typed input error (${e?.code})`);
  t.match(e?.message, /^chunk-stream1-00002\.m4s: /, 'the message names the segment file');
  nothingWritten(t, work);
});

t.test('an already encrypted package is refused', async (t) => {
  const { work, input, out } = copySample(t, 'dash');
  await encryptPackage(input, out, { scheme: 'cenc', keys });
  await t.rejects(encryptPackage(out, path.join(work, 'again'), { scheme: 'cenc', keys }), { code: 'ERR_ALREADY_ENCRYPTED' });
  t.notOk(existsSync(path.join(work, 'again')));
  const hls = copySample(t, 'hls-ts');
  await encryptPackage(hls.input, hls.out, { scheme: 'aes-128', keys, keyUri: 'k' });
  await t.rejects(encryptPackage(hls.out, path.join(hls.work, 'again'), { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_ALREADY_ENCRYPTED', message: /index\.m3u8/ });
});

t.test('usage errors: output exists, output inside input, scheme does not fit, AES-128 without keyUri, no manifest', async (t) => {
  const { work, input, out } = copySample(t, 'hls-ts');
  mkdirSync(out);
  writeFileSync(path.join(out, 'x'), 'x');
  await t.rejects(encryptPackage(input, out, { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_OUTPUT_EXISTS' });
  await t.rejects(encryptPackage(input, path.join(input, 'sub'), { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_OUTPUT_INSIDE_INPUT' });
  await t.rejects(encryptPackage(input, path.join(work, 'o2'), { scheme: 'cenc', keys }), { code: 'ERR_SCHEME', message: /seg_000\.ts/ });
  await t.rejects(encryptPackage(input, path.join(work, 'o3'), { scheme: 'aes-128', keys }), { code: 'ERR_KEY_URI_REQUIRED' });
  await t.rejects(encryptPackage(input, path.join(work, 'o6'), { scheme: 'aes-128', keys, keyUri: 'k', clearLead: 2 }), { code: 'ERR_CLEAR_LEAD' });
  const dash = copySample(t, 'dash');
  await t.rejects(encryptPackage(dash.input, dash.out, { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_SCHEME' });
  const empty = scratchDir(t, 'segcrypt-empty-');
  writeFileSync(path.join(empty, 'a.mp4'), 'x');
  await t.rejects(encryptPackage(empty, path.join(work, 'o4'), { scheme: 'cenc', keys }), { code: 'ERR_PACKAGE_NO_MANIFEST' });
  const noKey = await encryptPackage(input, path.join(work, 'o5'), { scheme: 'aes-128', keyUri: 'k', keys: { keys: [{ kid: Buffer.alloc(16), key: Buffer.alloc(16), trackTypes: ['audio'] }], drm: [] } })
    .then(() => undefined, (x: { category?: string }) => x);
  t.equal(noKey?.category, 'usage', 'no key for the video track: a usage error');
  t.same(readdirSync(work).sort(), ['in', 'out'], 'only the pre-existing output dir');
});

t.test('a reference outside the package is refused', async (t) => {
  const { work, input, out } = copySample(t, 'hls-ts');
  const p = path.join(input, 'index.m3u8');
  writeFileSync(p, readFileSync(p, 'utf8').replace('seg_001.ts', '../../etc/passwd'));
  await t.rejects(encryptPackage(input, out, { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_PACKAGE_REFERENCE', message: /outside the package/ });
  writeFileSync(p, readFileSync(p, 'utf8').replace('../../etc/passwd', 'seg_%zz.ts'));
  await t.rejects(encryptPackage(input, out, { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_PACKAGE_REFERENCE', message: /%-escape/ });
  writeFileSync(p, readFileSync(p, 'utf8').replace('seg_%zz.ts', 'https://cdn.example/seg_001.ts'));
  await t.rejects(encryptPackage(input, out, { scheme: 'aes-128', keys, keyUri: 'k' }), { code: 'ERR_PACKAGE_REFERENCE', message: /absolute URL/ });
  nothingWritten(t, work);
});

t.test('SegmentBase: indexRange and Initialization range follow the grown init', async (t) => {
  const { input, out } = copySample(t, 'dash-shaka-single');
  await encryptPackage(input, out, { scheme: 'cbcs', keys });
  const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
  for (const [file, rep] of [['video.mp4', '0'], ['audio.mp4', '1']] as const) {
    const block = new RegExp(`<Representation id="${rep}"[\\s\\S]*?indexRange="(\\d+)-(\\d+)"[\\s\\S]*?range="0-(\\d+)"`).exec(mpd)!;
    const [first, last, initLast] = [Number(block[1]), Number(block[2]), Number(block[3])];
    const bytes = readFileSync(path.join(out, file));
    const report = protectionReportFromBuffer(bytes); // mp4box.js: an independent parser
    const sidx = report.sidx[0]!;
    t.equal(first, sidx.start, `${file}: indexRange starts at the sidx`);
    t.equal(last, sidx.end - 1, `${file}: indexRange ends with the sidx`);
    t.equal(initLast, sidx.start - 1, `${file}: Initialization covers ftyp+moov`);
    t.same(report.topLevel.slice(0, 3), ['ftyp', 'moov', 'sidx']);
    t.ok(first > Number(/indexRange="(\d+)-/.exec(readFileSync(path.join(input, 'manifest.mpd'), 'utf8').split(`<Representation id="${rep}"`)[1]!)![1]), 'the init grew (sinf/pssh)');
    const total = sidx.references.reduce((n, r) => n + r.size, 0);
    t.equal(sidx.end + sidx.firstOffset + total, bytes.length, `${file}: sidx references cover the file to its end`);
  }
});

t.test('a corrupt TS segment among segments in flight on a pool: the error names it, and nothing is left, even later', async (t) => {
  const { work, input, out } = copySample(t, 'hls-ts');
  // 24 segments (copies of the sample's), the first one corrupt: the others are still to do or in flight when it fails.
  const seg = readFileSync(path.join(input, 'seg_002.ts'));
  const names = Array.from({ length: 24 }, (_, i) => `many_${String(i).padStart(3, '0')}.ts`);
  for (const n of names) writeFileSync(path.join(input, n), seg);
  const bad = readFileSync(path.join(input, names[0]!));
  bad[188 * 5] = 0x48; // packet 5 loses its sync byte
  writeFileSync(path.join(input, names[0]!), bad);
  writeFileSync(path.join(input, 'index.m3u8'), ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0',
    ...names.flatMap((n) => ['#EXTINF:2.000000,', n]), '#EXT-X-ENDLIST', ''].join('\n'));
  for (const poolSize of [0, 2]) {
    // No sleep-and-look: the file system calls themselves are watched. When the error reaches the
    // caller, no write is pending and no handle is open (so none can land later), and no write
    // started inside the temporary folder once its removal had begun.
    const fs = watchFsActivity();
    t.teardown(() => fs.restore());
    const e = await encryptPackage(input, out, { scheme: 'sample-aes', keys, keyUri: 'key.bin', poolSize }).then(() => undefined, (x: { code?: string; message?: string }) => x);
    const [pending, open, late] = [fs.pending(), fs.openHandles(), fs.writesAfterRemoval()];
    fs.restore();
    t.equal(e?.code, 'ERR_TS_SYNC', `pool ${poolSize}: ERR_TS_SYNC`);
    t.match(e?.message, /^many_000\.ts: /, 'the message names the segment file');
    t.equal(pending, 0, `pool ${poolSize}: no file system call still pending when the error is thrown`);
    t.equal(open, 0, `pool ${poolSize}: every file opened was closed`);
    t.same(late, [], `pool ${poolSize}: no write started in a folder being removed`);
    nothingWritten(t, work);
  }
});
