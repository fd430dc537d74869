/**
 * Golden tests for AV1 and VP9, cenc and cbcs: ffmpeg-made clear inputs encrypted by encryptFile,
 * checked by mp4box.js (encv, frma av01/vp09, sinf/tenc, senc/saiz/saio), against Shaka
 * Packager's reference layout, and decrypted by Shaka Packager and by ffmpeg (through a pipe)
 * to the exact clear frames; wrong-key twins must differ (see fmp4-golden.ts). Also: the
 * codec configuration box (av1C, vpcC) stays in the protected sample entry, byte for byte.
 */
import t from 'tap';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createFile, MP4BoxBuffer } from 'mp4box';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { TEST_KEYS, testIv, type SampleMedia } from '../oracles/matrix.js';
import { FRAME_VIDEO_INPUTS, makeFrameVideoInput } from './av1-vp9-inputs.js';
import { goldenFmp4Case } from './fmp4-golden.js';

interface RawBox { type: string; start: number; size: number; boxes?: RawBox[]; entries?: RawBox[] }

/** The first sample entry's type and child boxes (type + bytes), as mp4box.js parses them. */
function firstSampleEntry(file: string): { type: string; children: Map<string, string> } {
  const bytes = readFileSync(file);
  const mp4 = createFile(true);
  mp4.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer, 0));
  mp4.flush();
  const find = (b: RawBox | undefined, type: string): RawBox | undefined => b?.boxes?.find((c) => c.type === type);
  const moov = (mp4.boxes as unknown as RawBox[]).find((b) => b.type === 'moov');
  const trak = find(moov, 'trak');
  const stsd = find(find(find(find(trak, 'mdia'), 'minf'), 'stbl'), 'stsd');
  const entry = stsd?.entries?.[0];
  if (!entry) throw new Error(`mp4box.js found no sample entry in ${file}`);
  const children = new Map((entry.boxes ?? []).map((c) => [c.type, bytes.subarray(c.start, c.start + c.size).toString('hex')]));
  return { type: entry.type, children };
}

const dir = scratchDir(t, 'segcrypt-av1-vp9-');
const CONFIG = { av1: 'av1C', vp9: 'vpcC' } as const;

for (const input of FRAME_VIDEO_INPUTS.filter((i) => i.name === 'av1-svt-tiles-grain' || i.name === 'vp9-superframes')) {
  t.test(input.name, async (t) => {
    const file = await makeFrameVideoInput(dir, input);
    const media: SampleMedia = { name: input.name, file, tracks: [{ type: 'video', codec: input.codec }] };
    for (const scheme of ['cenc', 'cbcs'] as const) {
      await t.test(`${scheme} ${input.name}`, (t) => goldenFmp4Case(t, media, scheme));
    }
    t.test(`${CONFIG[input.codec]} kept in the encv sample entry`, async (t) => {
      const out = path.join(dir, `${input.name}-entry.mp4`);
      await encryptFile(file, out, { scheme: 'cbcs', keys: new StaticKeys([{ ...TEST_KEYS.video }]), iv: testIv('cbcs'), poolSize: 0 });
      const clear = firstSampleEntry(file);
      const enc = firstSampleEntry(out);
      const config = CONFIG[input.codec];
      t.equal(enc.type, 'encv');
      t.ok(clear.children.get(config), `the clear ${clear.type} entry has ${config}`);
      t.equal(enc.children.get(config), clear.children.get(config), `${config} is byte-identical in encv`);
      t.same([...enc.children.keys()], [...clear.children.keys(), 'sinf'], 'encv keeps every child box of the clear entry, then sinf');
    });
  });
}
