/**
 * NAL units split across PES packets (muxers that bound PES_packet_length split large access
 * units): the clear input is the H.264 sample re-muxed here with every large access unit cut in
 * the middle of its slice into two PES packets. ffmpeg's hls demuxer must decode our SAMPLE-AES
 * output to the same frames as the clear TS.
 */
import t from 'tap';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptTsFile } from '../../src/api/encrypt-ts.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames, writeMediaPlaylist } from './ts-hls-oracle.js';
import { pesOf, singleStreamTs } from './single-stream-ts.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

t.test('SAMPLE-AES over H.264 whose slices are split across PES packets', async (t) => {
  const dir = scratchDir(t);
  const original = pesOf(readFileSync(path.join(SAMPLES, 'ts', 'avc-aac.ts')), 0x100);
  const split: Buffer[] = [];
  let cuts = 0;
  for (const pes of original) {
    const esStart = 9 + pes[8]!;
    if (pes.length - esStart < 1500) { split.push(pes); continue; }
    const cut = esStart + Math.floor((pes.length - esStart) / 2);
    split.push(pes.subarray(0, cut), Buffer.concat([Buffer.from([0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0]), pes.subarray(cut)]));
    cuts++;
  }
  t.ok(cuts > 20, `${cuts} access units cut in two PES packets`);
  const input = path.join(dir, 'split.ts');
  writeFileSync(input, singleStreamTs(0x100, 0x1b, split));
  const clear = await hlsFrames(writeMediaPlaylist(dir, [{ file: 'split.ts', duration: 6 }], 'clear.m3u8'), { stream: 'v' });
  t.ok(clear.length >= 150, `the re-muxed clear TS decodes (${clear.length} frames)`);

  const r = await encryptTsFile(input, path.join(dir, 'enc.ts'), { scheme: 'sample-aes', keys: { keys: [{ kid, key }], drm: [] }, iv, keyUri: 'key.bin' });
  t.equal(pesOf(readFileSync(path.join(dir, 'enc.ts')), 0x100).length, split.length, 'same PES packets');
  copyFileSync(path.join(dir, 'enc.ts'), path.join(dir, 'tail.ts')); // see ts-sample-aes.test.ts: ffmpeg leaves the last access unit encrypted
  writeFileSync(path.join(dir, 'key.bin'), key);
  const playlist = writeMediaPlaylist(dir, [{ file: 'enc.ts', duration: 6, extXKey: r.extXKey }, { file: 'tail.ts', duration: 6, extXKey: r.extXKey }]);
  const got = (await hlsFrames(playlist, { stream: 'v' })).map((l) => l.split(',')[2]);
  t.same(got.slice(0, clear.length), clear.map((l) => l.split(',')[2]), 'identical decoded frames');
});
