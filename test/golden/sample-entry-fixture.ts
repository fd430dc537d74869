/**
 * Test fixture builders share this: replace the first sample entry of a clear fragmented MP4
 * (single track, default-base-is-moof) with other bytes, growing or shrinking every enclosing
 * box (moov/trak/mdia/minf/stbl/stsd) by the difference. The trailing mfra is dropped: its tfra
 * offsets would be stale once the moofs move. Boxes are located with mp4box.js, not with
 * segcrypt's own parser.
 */
import { createFile, MP4BoxBuffer } from 'mp4box';

interface RawBox { type: string; start: number; size: number; boxes?: RawBox[]; entries?: RawBox[] }

export function rewriteFirstSampleEntry(src: Buffer, rewrite: (entry: Buffer) => Buffer): Buffer {
  const file = createFile(true);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength) as ArrayBuffer, 0));
  file.flush();
  const top = file.boxes as unknown as RawBox[];
  const find = (b: RawBox | undefined, t: string) => b?.boxes?.find((c) => c.type === t);
  const moov = top.find((b) => b.type === 'moov');
  const chain = [moov];
  for (const t of ['trak', 'mdia', 'minf', 'stbl', 'stsd']) chain.push(find(chain[chain.length - 1], t));
  const entry = chain[chain.length - 1]?.entries?.[0];
  if (chain.some((b) => !b) || !entry) throw new Error('rewriteFirstSampleEntry: no moov/trak/mdia/minf/stbl/stsd sample entry');
  const replaced = rewrite(src.subarray(entry.start, entry.start + entry.size));
  const delta = replaced.length - entry.size;
  const mfra = top.find((b) => b.type === 'mfra');
  const body = mfra ? src.subarray(0, mfra.start) : src;
  const out = Buffer.concat([body.subarray(0, entry.start), replaced, body.subarray(entry.start + entry.size)]);
  for (const b of chain as RawBox[]) out.writeUInt32BE(b.size + delta, b.start);
  out.writeUInt32BE(replaced.length, entry.start);
  return out;
}
