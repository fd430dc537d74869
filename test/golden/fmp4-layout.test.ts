/**
 * Golden layout cases beyond the scheme x codec grid: a file with a global sidx (referenced
 * sizes must follow the grown moofs) and byte-identical output across pool sizes.
 */
import t from 'tap';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { frameDigests, framemd5 } from '../oracles/ffmpeg.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { SAMPLE_MEDIA, SAMPLES_MEDIA_DIR, TEST_KEYS, testIv } from '../oracles/matrix.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { goldenFmp4Case } from './fmp4-golden.js';

const keys = (): StaticKeys => new StaticKeys([
  { ...TEST_KEYS.video, trackTypes: ['video'] },
  { ...TEST_KEYS.audio, trackTypes: ['audio'] },
]);

for (const scheme of ['cenc', 'cbcs'] as const) {
  t.test(`global sidx follows the grown moofs (${scheme})`, async (t) => {
    const dir = scratchDir(t);
    const input = path.join(SAMPLES_MEDIA_DIR, 'avc-sidx.mp4');
    const out = path.join(dir, 'enc.mp4');
    await encryptFile(input, out, { scheme, keys: keys(), iv: testIv(scheme) });
    const r = await protectionReport(out);
    t.equal(r.sidx.length, 1, 'one sidx kept');
    const sidx = r.sidx[0]!;
    // Each reference covers one moof+mdat pair, starting first_offset bytes after the sidx.
    const firstMoof = r.boxes.findIndex((b) => b.type === 'moof');
    t.equal(r.boxes[firstMoof]?.start, sidx.end + sidx.firstOffset, 'first reference starts at the first moof');
    const pairs: number[] = [];
    for (let i = firstMoof; i + 1 < r.boxes.length && r.boxes[i]!.type === 'moof'; i += 2) pairs.push(r.boxes[i]!.size + r.boxes[i + 1]!.size);
    t.same(sidx.references.map((x) => x.size), pairs, 'referenced_size of each subsegment = its moof + mdat');
    const clear = frameDigests(await framemd5(input, { stream: 'video' }));
    t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: TEST_KEYS.video.key })), clear, 'ffmpeg decrypts to the clear frames');
  });
}

t.test('output is byte-identical for pool sizes 0, 1 and 2 (fixed IV)', async (t) => {
  const dir = scratchDir(t);
  const muxed = SAMPLE_MEDIA.find((m) => m.name === 'muxed')!;
  for (const scheme of ['cenc', 'cbcs'] as const) {
    const outs: Buffer[] = [];
    for (const poolSize of [0, 1, 2]) {
      const out = path.join(dir, `${scheme}-pool${poolSize}.mp4`);
      await encryptFile(muxed.file, out, { scheme, keys: keys(), iv: testIv(scheme), poolSize });
      outs.push(await readFile(out));
    }
    t.ok(outs[0]!.equals(outs[1]!), `${scheme}: pool 0 = pool 1 (${outs[0]!.length} bytes)`);
    t.ok(outs[1]!.equals(outs[2]!), `${scheme}: pool 1 = pool 2`);
  }
});

// 16-byte per-sample IVs in the CTR schemes: every oracle check, plus the counter-range check.
for (const scheme of ['cenc', 'cens'] as const) {
  t.test(`${scheme} with 16-byte IVs (muxed)`, (t) =>
    goldenFmp4Case(t, SAMPLE_MEDIA.find((m) => m.name === 'muxed')!, scheme, { iv: Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex') }));
}
