/**
 * SAMPLE-AES audio whose frames straddle PES packets, checked by a decryptor written here from
 * Apple's "MPEG-2 Stream Encryption Format for HTTP Live Streaming" (2.3 Audio Streams), not by
 * segcrypt's own reference decryptor:
 *   - a protected block is one audio frame; AES-128-CBC, the IV reset to its initial value at
 *     the start of every frame, no padding;
 *   - ADTS (AAC): the 7- or 9-byte header and the 16 bytes after it stay clear, then every whole
 *     16-byte block is encrypted, a trailing partial block stays clear;
 *   - AC-3: the first 16 bytes of the syncframe stay clear, then whole blocks, trailer clear.
 * Inputs: the real AAC and AC-3 tracks of the samples, re-muxed here into PES packets of 700 bytes
 * (no relation to frame sizes), so most frames are split across two PES packets.
 */
import t from 'tap';
import { createDecipheriv } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptTsFile } from '../../src/api/encrypt-ts.js';
import { readTs } from '../oracles/mux-js.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { pesOf, singleStreamTs } from './single-stream-ts.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const PID = 0x101;
const PES_PAYLOAD = 700;

/** The elementary-stream bytes of a PES packet (after its header). */
const payloadOf = (pes: Buffer): Buffer => pes.subarray(9 + pes[8]!);

/** PES packets of `size`-byte payloads; only the first carries the original first PTS. */
function rechunk(es: Buffer, firstPes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < es.length; o += size) {
    const body = es.subarray(o, o + size);
    const header = o === 0 ? firstPes.subarray(0, 9 + firstPes[8]!) : Buffer.from([0, 0, 1, 0xc0, 0, 0, 0x80, 0x00, 0x00]);
    const pes = Buffer.concat([header, body]);
    pes.writeUInt16BE(pes.length - 6, 4);
    out.push(pes);
  }
  return out;
}

/** Frame lengths from the (clear) frame headers: ADTS aac_frame_length; AC-3 frmsizecod at 48 kHz (ATSC A/52 table). */
const AC3_WORDS_48K = [64, 64, 80, 80, 96, 96, 112, 112, 128, 128, 160, 160, 192, 192, 224, 224, 256, 256, 320, 320, 384, 384, 448, 448, 512, 512, 640, 640, 768, 768, 896, 896, 1024, 1024, 1152, 1152, 1280, 1280];
function frames(es: Buffer, codec: 'aac' | 'ac3'): { start: number; length: number; clear: number }[] {
  const out = [];
  for (let o = 0; o < es.length;) {
    let length: number;
    let clear: number;
    if (codec === 'aac') {
      if (es[o] !== 0xff || (es[o + 1]! & 0xf0) !== 0xf0) throw new Error(`no ADTS sync at ${o}`);
      length = ((es[o + 3]! & 3) << 11) | (es[o + 4]! << 3) | (es[o + 5]! >> 5);
      clear = ((es[o + 1]! & 1) ? 7 : 9) + 16;
    } else {
      if (es.readUInt16BE(o) !== 0x0b77) throw new Error(`no AC-3 sync at ${o}`);
      if (es[o + 4]! >> 6 !== 0) throw new Error('AC-3 sample not at 48 kHz');
      length = AC3_WORDS_48K[es[o + 4]! & 0x3f]! * 2;
      clear = 16;
    }
    out.push({ start: o, length, clear });
    o += length;
  }
  return out;
}

/** Apple's audio rule, inverted: per frame, AES-128-CBC over the whole blocks after the clear part, IV reset. */
function decryptFrames(es: Buffer, codec: 'aac' | 'ac3'): Buffer {
  const out = Buffer.from(es);
  for (const f of frames(es, codec)) {
    const from = f.start + f.clear;
    const blocks = Math.max(0, Math.floor((f.length - f.clear) / 16));
    if (blocks === 0) continue;
    const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    Buffer.concat([d.update(es.subarray(from, from + blocks * 16)), d.final()]).copy(out, from);
  }
  return out;
}

for (const [sample, codec, clearType, encType] of [['avc-aac.ts', 'aac', 0x0f, 0xcf], ['avc-ac3.ts', 'ac3', 0x81, 0xc1]] as const) {
  t.test(`SAMPLE-AES ${codec} frames split across PES packets decrypt by Apple's rule to the clear frames`, async (t) => {
    const dir = scratchDir(t);
    const original = pesOf(readFileSync(path.join(SAMPLES, 'ts', sample)), PID);
    const es = Buffer.concat(original.map(payloadOf));
    const split = rechunk(es, original[0]!, PES_PAYLOAD);
    const boundaries = new Set(split.map((_, i) => i * PES_PAYLOAD));
    const straddling = frames(es, codec).filter((f) => [...boundaries].some((b) => b > f.start && b < f.start + f.length)).length;
    t.ok(straddling > 20, `${straddling} of ${frames(es, codec).length} ${codec} frames straddle two PES packets`);
    const input = path.join(dir, 'split.ts');
    writeFileSync(input, singleStreamTs(PID, clearType, split));
    t.same([...readTs(readFileSync(input)).streamTypes], [[PID, clearType]], 'mux.js reads the re-muxed clear input');

    await encryptTsFile(input, path.join(dir, 'enc.ts'), { scheme: 'sample-aes', keys: { keys: [{ kid, key }], drm: [] }, iv, keyUri: 'key.bin' });
    const enc = readFileSync(path.join(dir, 'enc.ts'));
    t.same([...readTs(enc).streamTypes], [[PID, encType]], `mux.js reads the PMT: SAMPLE-AES ${codec} (0x${encType.toString(16)})`);
    const encPes = pesOf(enc, PID);
    t.same(encPes.map((p) => payloadOf(p).length), split.map((p) => payloadOf(p).length), 'the same PES packets, payload sizes unchanged');
    const encEs = Buffer.concat(encPes.map(payloadOf));
    t.notOk(encEs.equals(es), 'the audio is encrypted');
    const decrypted = decryptFrames(encEs, codec);
    const wrong = frames(es, codec).filter((f) => !decrypted.subarray(f.start, f.start + f.length).equals(es.subarray(f.start, f.start + f.length)));
    t.same(wrong.map((f) => f.start), [], `every frame decrypts to the clear frame (${frames(es, codec).length} frames), split ones included`);
  });
}
