import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSegmentEncryptor, encryptFile, StaticKeys, type EncryptOptions, type KeySet } from '../../src/index.js';
import { topLevelBoxes, parseSidx, splitPieces } from '../../src/isobmff/index.js';
import { framemd5Pipe, framemd5PipeLenient } from './ffmpeg-pipe.js';

const sample = (name: string) => fileURLToPath(new URL(`../../samples/media/${name}`, import.meta.url));
const V = { kid: '00112233445566778899aabbccddeeff', key: 'ffeeddccbbaa99887766554433221100' };
const A = { kid: '11112233445566778899aabbccddeeff', key: '11eeddccbbaa99887766554433221100' };
const keySet = (): KeySet => ({
  keys: [
    { kid: Buffer.from(V.kid, 'hex'), key: Buffer.from(V.key, 'hex'), trackTypes: ['video'] },
    { kid: Buffer.from(A.kid, 'hex'), key: Buffer.from(A.key, 'hex'), trackTypes: ['audio'] },
  ],
  drm: [],
});
const IV8 = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const IV16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

function scratch(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'segcrypt-api-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('muxed file, per-track keys: ffmpeg decrypts both tracks to the clear frames; wrong key does not', async (t) => {
  const dir = scratch(t);
  // The clear frames of each track, decoded once for both schemes.
  const clearOf = { v: await framemd5Pipe(sample('muxed.mp4'), 'v'), a: await framemd5Pipe(sample('muxed.mp4'), 'a') };
  for (const scheme of ['cenc', 'cbcs'] as const) {
    const out = join(dir, `${scheme}.mp4`);
    const r = await encryptFile(sample('muxed.mp4'), out, { scheme, keys: keySet(), iv: scheme === 'cbcs' ? IV16 : IV8, poolSize: 0 });
    t.same(r.tracks.map((x) => [x.type, x.codec, x.kid]), [['video', 'avc1', V.kid], ['audio', 'mp4a', A.kid]]);
    t.same(r.kids, [V.kid, A.kid]);
    t.equal(r.container, 'fmp4');
    t.equal(r.fragments, 3);
    t.equal(r.pssh.length, 1, 'a common pssh when the key set brings none');
    for (const [s, k] of [['v', V.key], ['a', A.key]] as const) {
      const clear = clearOf[s];
      const dec = await framemd5Pipe(out, s, k);
      t.equal(dec.exitCode, 0);
      t.same(dec.digests, clear.digests, `${scheme} ${s}: decrypted frames equal the clear frames`);
      const wrong = await framemd5PipeLenient(out, s, 'ffffffffffffffffffffffffffffffff');
      t.not(wrong.digests.join(), clear.digests.join(), `${scheme} ${s}: a wrong key gives other frames`);
    }
  }
});

t.test('output is byte-identical for pool sizes 0, 1 and 2 (fixed IV)', async (t) => {
  const dir = scratch(t);
  for (const [scheme, iv] of [['cenc', IV8], ['cbcs', IV16], ['cens', IV8]] as const) {
    const outs: Buffer[] = [];
    for (const poolSize of [0, 1, 2]) {
      const out = join(dir, `${scheme}-${poolSize}.mp4`);
      await encryptFile(sample('muxed.mp4'), out, { scheme, keys: keySet(), iv, poolSize });
      outs.push(readFileSync(out));
    }
    t.ok(outs[0]!.equals(outs[1]!) && outs[1]!.equals(outs[2]!), `${scheme}: pool 0 = 1 = 2`);
  }
});

t.test('the segment encryptor gives the same bytes as the file path, in any order', async (t) => {
  const dir = scratch(t);
  const input = readFileSync(sample('avc.mp4'));
  const out = join(dir, 'file.mp4');
  await encryptFile(sample('avc.mp4'), out, { scheme: 'cenc', keys: keySet(), iv: IV8, poolSize: 0 });
  const fileOut = readFileSync(out);
  const pieces = splitPieces(topLevelBoxes(input));
  const frags = pieces.filter((p) => p.fragment);
  const initEnd = frags[0]!.start;
  const enc = createSegmentEncryptor({ init: input.subarray(0, initEnd), scheme: 'cenc', keys: keySet(), iv: IV8, poolSize: 2 });
  t.teardown(() => enc.close());
  const init = enc.encryptInit();
  t.ok(fileOut.subarray(0, init.length).equals(init), 'encryptInit = the file output init');
  const segs = await Promise.all(frags.map((f, i) => ({ f, i })).reverse().map(({ f, i }) => enc.encryptSegment(input.subarray(f.start, f.end), i)));
  segs.reverse();
  let o = init.length;
  segs.forEach((s, i) => {
    t.ok(fileOut.subarray(o, o + s.length).equals(s), `segment ${i} = the file output fragment ${i}`);
    o += s.length;
  });
  t.equal(enc.kids[0], V.kid);
  const again = await enc.encryptSegment(input.subarray(frags[1]!.start, frags[1]!.end), 1);
  t.ok(again.equals(segs[1]!), 'same input and sequence number, same bytes');
  t.ok(input.subarray(frags[0]!.start, frags[0]!.start + 8).equals(readFileSync(sample('avc.mp4')).subarray(frags[0]!.start, frags[0]!.start + 8)), 'the caller\'s buffer is not detached or changed');
  await t.rejects(enc.encryptSegment(input.subarray(0, 10), -1), { code: 'ERR_SEQUENCE' });
});

t.test('sidx referenced sizes follow the grown fragments', async (t) => {
  const dir = scratch(t);
  const out = join(dir, 'sidx.mp4');
  await encryptFile(sample('avc-sidx.mp4'), out, { scheme: 'cbcs', keys: keySet(), poolSize: 0 });
  const buf = readFileSync(out);
  const boxes = topLevelBoxes(buf);
  const sidxBox = boxes.find((b) => b.type === 'sidx')!;
  const sidx = parseSidx(buf, sidxBox);
  t.ok(sidx.refs.length > 0);
  for (const r of sidx.refs) {
    const moof = boxes.find((b) => b.start === r.start);
    t.equal(moof?.type, 'moof', `reference at ${r.start} starts on a moof`);
    const next = boxes.find((b) => b.type === 'moof' && b.start > r.start);
    const lastMdat = boxes.filter((b) => b.type === 'mdat').pop()!;
    t.equal(r.start + r.size, next ? next.start : lastMdat.end, 'and ends where the next fragment starts');
  }
  const clear = await framemd5Pipe(sample('avc-sidx.mp4'), 'v');
  t.same((await framemd5Pipe(out, 'v', V.key)).digests, clear.digests);
});

t.test('absolute (no default-base-is-moof) and implicit (omit_tfhd_offset) base offsets are rewritten', async (t) => {
  const dir = scratch(t);
  const { execFileSync } = await import('node:child_process');
  for (const flags of ['+frag_keyframe+empty_moov', '+frag_keyframe+empty_moov+omit_tfhd_offset']) {
    const src = join(dir, 'src.mp4');
    execFileSync('nice', ['-n', '10', 'ffmpeg', '-y', '-v', 'error', '-i', sample('muxed.mp4'), '-c', 'copy', '-movflags', flags, src]);
    const out = join(dir, 'enc.mp4');
    await encryptFile(src, out, { scheme: 'cenc', keys: keySet(), poolSize: 0 });
    for (const [s, k] of [['v', V.key], ['a', A.key]] as const) {
      t.same((await framemd5Pipe(out, s, k)).digests, (await framemd5Pipe(src, s)).digests, `${flags}: track ${s}`);
    }
  }
});

t.test('progress reaches the input size; no temp file is left', async (t) => {
  const dir = scratch(t);
  const seen: number[] = [];
  const opts: EncryptOptions = { scheme: 'cenc', keys: new StaticKeys([{ kid: Buffer.from(V.kid, 'hex'), key: Buffer.from(V.key, 'hex') }]), onProgress: (d, total) => { seen.push(d); t.equal(total, r0); } };
  const r0 = readFileSync(sample('aac.mp4')).length;
  const r = await encryptFile(sample('aac.mp4'), join(dir, 'a.mp4'), opts);
  t.equal(seen[seen.length - 1], r0);
  t.equal(r.bytesIn, r0);
  t.equal(r.bytesOut, readFileSync(join(dir, 'a.mp4')).length);
  t.same(readdirSync(dir), ['a.mp4']);
});

t.test('full-sample audio beyond the samples: Opus and FLAC, generated with ffmpeg', async (t) => {
  const dir = scratch(t);
  const { execFileSync } = await import('node:child_process');
  for (const [codec, extra] of [['libopus', []], ['flac', ['-strict', '-2']]] as const) {
    const src = join(dir, `${codec}.mp4`);
    execFileSync('nice', ['-n', '10', 'ffmpeg', '-y', '-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=3', '-c:a', codec, ...extra,
      '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', src]);
    for (const scheme of ['cenc', 'cbcs'] as const) {
      const out = join(dir, `${codec}-${scheme}.mp4`);
      const r = await encryptFile(src, out, { scheme, keys: keySet(), poolSize: 0 });
      t.equal(r.tracks[0]!.codec, codec === 'flac' ? 'fLaC' : 'Opus');
      t.same((await framemd5Pipe(out, 'a', A.key)).digests, (await framemd5Pipe(src, 'a')).digests, `${codec} ${scheme} decrypts`);
    }
  }
});
