/**
 * Golden tests for AV1 and VP9, cenc and cbcs: ffmpeg-made clear inputs encrypted by encryptFile,
 * checked by mp4box.js (encv, frma av01/vp09, sinf/tenc, senc/saiz/saio), against Shaka
 * Packager's reference layout, and decrypted by Shaka Packager and by ffmpeg (through a pipe)
 * to the exact clear frames; wrong-key twins must differ (see fmp4-golden.ts). Also: the
 * codec configuration box (av1C, vpcC) stays in the protected sample entry, byte for byte.
 */
import t from 'tap';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createFile, MP4BoxBuffer } from 'mp4box';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { TEST_KEYS, testIv, type SampleMedia } from '../oracles/matrix.js';
import { runTool } from '../oracles/run-tool.js';
import { frameDigests, framemd5 } from '../oracles/ffmpeg.js';
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
      // The frame parsers' config (av1C) crosses to the worker threads by structured clone.
      const pooled = path.join(dir, `${input.name}-entry-pool.mp4`);
      await encryptFile(file, pooled, { scheme: 'cbcs', keys: new StaticKeys([{ ...TEST_KEYS.video }]), iv: testIv('cbcs'), poolSize: 2 });
      t.ok(readFileSync(pooled).equals(readFileSync(out)), 'a 2-worker pool writes the same bytes as the main thread');
    });
    t.test('fragments that do not start with a key frame (0.3 s fragments, 0.67 s GOPs)', async (t) => {
      const chunked = path.join(dir, `${input.name}-chunked.mp4`);
      await runTool('nice', ['-n', '10', 'ffmpeg', '-v', 'error', '-y', '-i', file, '-c', 'copy', '-movflags', '+empty_moov+default_base_moof', '-frag_duration', '300000', chunked]);
      const out = path.join(dir, `${input.name}-chunked-cenc.mp4`);
      const encrypt = encryptFile(chunked, out, { scheme: 'cenc', keys: new StaticKeys([{ ...TEST_KEYS.video }]), iv: testIv('cenc') });
      if (input.codec === 'av1') {
        // An AV1 inter frame header cannot be measured without its references' order hints.
        await t.rejects(encrypt, { code: 'ERR_AV1_REFERENCE', message: /start with a key frame/ });
        t.notOk(existsSync(out), 'no output left behind');
      } else {
        // VP9 only needs the references' picture sizes, taken from the sample entry until a key frame.
        await encrypt;
        t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: TEST_KEYS.video.key })), frameDigests(await framemd5(file, { stream: 'video' })),
          'ffmpeg decrypts it to the clear frames');
      }
    });
  });
}
