/**
 * AV1 and VP9 subsample maps checked against Shaka Packager's: the same clear input encrypted
 * by Shaka (raw key, same key and IV, no clear lead) and by encryptFile must split every sample
 * into the same (clear, protected) pairs. Shaka's AV1 and VP9 parsers are independent of ours
 * and follow the same bindings (AV1: tiles protected, whole 16-byte blocks for cenc and whole
 * tiles for cbcs; VP9: uncompressed headers and superframe index clear, aligned for both).
 * The inputs' own features are asserted too, so a case cannot pass by having nothing to split.
 */
import t from 'tap';
import path from 'node:path';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { shakaEncrypt, type CencScheme } from '../oracles/shaka.js';
import { TEST_KEYS, testIv } from '../oracles/matrix.js';
import { FRAME_VIDEO_INPUTS, makeFrameVideoInput } from '../golden/av1-vp9-inputs.js';
import { subsampleMaps } from './senc-maps.js';

const dir = scratchDir(t, 'segcrypt-frame-subs-');
const keys = new StaticKeys([{ ...TEST_KEYS.video }]);

for (const input of FRAME_VIDEO_INPUTS) {
  t.test(`${input.name} (${input.exercises})`, async (t) => {
    const clear = await makeFrameVideoInput(dir, input);
    for (const scheme of ['cenc', 'cbcs'] as CencScheme[]) {
      const iv = testIv(scheme);
      const ref = path.join(dir, `${input.name}-${scheme}-shaka.mp4`);
      await shakaEncrypt({ input: clear, streams: [{ stream: 'video', output: ref }], scheme, keys: [{ kid: TEST_KEYS.video.kid, key: TEST_KEYS.video.key }], iv });
      const ours = path.join(dir, `${input.name}-${scheme}.mp4`);
      await encryptFile(clear, ours, { scheme, keys, iv, poolSize: 0 });
      const ivSize = scheme === 'cbcs' ? 0 : 8;
      const a = subsampleMaps(ours, ivSize);
      const b = subsampleMaps(ref, ivSize);
      t.equal(a.length, 30, `${scheme}: one senc entry per sample`);
      t.equal(b.length, a.length, `${scheme}: Shaka has as many samples`);
      t.same(a.map((x, i) => (x === b[i] ? -1 : `#${i} ours ${x} Shaka ${b[i]}`)).filter((x) => x !== -1).slice(0, 5), [],
        `${scheme}: every sample splits exactly as Shaka Packager splits it`);
      const pairs = a.map((x) => JSON.parse(x) as [number, number][]);
      const protectedRanges = (s: [number, number][]) => s.filter(([, p]) => p > 0).length;
      if (scheme === 'cenc') t.ok(pairs.every((s) => s.every(([, p]) => p % 16 === 0)), 'cenc: protected ranges are whole blocks');
      if (input.codec === 'av1') {
        const tiles = input.name.includes('tiles') ? 4 : 2;
        t.ok(pairs.some((s) => protectedRanges(s) >= tiles), `some sample has a protected range per tile (${tiles} tiles)`);
        if (scheme === 'cbcs') t.ok(pairs.some((s) => s.some(([, p]) => p % 16 !== 0)), 'cbcs: whole tiles, not block-aligned');
      }
      if (input.name === 'av1-svt-tiles-grain') t.ok(pairs.some((s) => protectedRanges(s) === 0), 'some sample only shows an earlier frame (nothing to protect)');
      if (input.name === 'vp9-superframes') {
        t.ok(pairs.some((s) => protectedRanges(s) >= 2 && s[s.length - 1]![1] === 0), 'some sample is a superframe: a range per frame, the index clear');
      }
    }
  });
}
