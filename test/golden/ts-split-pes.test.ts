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
import { crc32Mpeg2 } from '../../src/ts/crc32-mpeg2.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames, writeMediaPlaylist } from './ts-hls-oracle.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

function videoPes(ts: Buffer, pid: number): Buffer[] {
  const out: Buffer[][] = [];
  for (let o = 0; o < ts.length; o += 188) {
    if ((((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!) !== pid || !(ts[o + 3]! & 0x10)) continue;
    const start = o + 4 + ((ts[o + 3]! & 0x20) ? 1 + ts[o + 4]! : 0);
    if (ts[o + 1]! & 0x40) out.push([]);
    out[out.length - 1]?.push(ts.subarray(start, o + 188));
  }
  return out.map((p) => Buffer.concat(p));
}

function withCrc(bytes: number[]): Buffer {
  const s = Buffer.from(bytes);
  return Buffer.concat([s, Buffer.from(crc32Mpeg2(s).toString(16).padStart(8, '0'), 'hex')]);
}

/** Video-only TS on PID 0x100 carrying these PES packets (PCR from each PES's DTS/PTS where present). */
function videoTs(pesList: Buffer[]): Buffer {
  const packets: Buffer[] = [];
  for (const [pid, sec] of [[0, withCrc([0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00])],
    [0x1000, withCrc([0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x00])]] as const) {
    const p = Buffer.alloc(188, 0xff);
    p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10, 0x00]);
    sec.copy(p, 5);
    packets.push(p);
  }
  let cc = 0;
  for (const pes of pesList) {
    for (let o = 0; o < pes.length; o += 184) {
      const chunk = pes.subarray(o, o + 184);
      const p = Buffer.alloc(188, 0xff);
      p.set([0x47, (o === 0 ? 0x40 : 0) | 0x01, 0x00, 0x10 | (cc++ & 15)]);
      if (chunk.length < 184) {
        const stuffing = 184 - chunk.length;
        p[3]! |= 0x20;
        p[4] = stuffing - 1;
        if (stuffing > 1) p[5] = 0;
      }
      chunk.copy(p, 188 - chunk.length);
      packets.push(p);
    }
  }
  return Buffer.concat(packets);
}

t.test('SAMPLE-AES over H.264 whose slices are split across PES packets', async (t) => {
  const dir = scratchDir(t);
  const original = videoPes(readFileSync(path.join(SAMPLES, 'ts', 'avc-aac.ts')), 0x100);
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
  writeFileSync(input, videoTs(split));
  const clear = await hlsFrames(writeMediaPlaylist(dir, [{ file: 'split.ts', duration: 6 }], 'clear.m3u8'), { stream: 'v' });
  t.ok(clear.length >= 150, `the re-muxed clear TS decodes (${clear.length} frames)`);

  const r = await encryptTsFile(input, path.join(dir, 'enc.ts'), { scheme: 'sample-aes', keys: { keys: [{ kid, key }], drm: [] }, iv, keyUri: 'key.bin' });
  t.equal(videoPes(readFileSync(path.join(dir, 'enc.ts')), 0x100).length, split.length, 'same PES packets');
  copyFileSync(path.join(dir, 'enc.ts'), path.join(dir, 'tail.ts')); // see ts-sample-aes.test.ts: ffmpeg leaves the last access unit encrypted
  writeFileSync(path.join(dir, 'key.bin'), key);
  const playlist = writeMediaPlaylist(dir, [{ file: 'enc.ts', duration: 6, extXKey: r.extXKey }, { file: 'tail.ts', duration: 6, extXKey: r.extXKey }]);
  const got = (await hlsFrames(playlist, { stream: 'v' })).map((l) => l.split(',')[2]);
  t.same(got.slice(0, clear.length), clear.map((l) => l.split(',')[2]), 'identical decoded frames');
});
