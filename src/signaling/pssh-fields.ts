import { MediaError } from '../errors.js';

/**
 * The data field of a complete `pssh` box (ISO/IEC 23001-7 8.1.1): for PlayReady this is the
 * PlayReady Object that `mspr:pro` carries. Only the header is read: signaling does not walk media.
 */
export function psshData(box: Buffer, where: string): Buffer {
  const fail = (why: string) => new MediaError('ERR_PSSH_INVALID', `${where}: pssh box ${why}`, { where });
  if (box.length < 32 || box.toString('latin1', 4, 8) !== 'pssh') throw fail(`is not a pssh box (${box.length} bytes)`);
  if (box.readUInt32BE(0) !== box.length) throw fail(`size field ${box.readUInt32BE(0)} differs from its ${box.length} bytes`);
  const version = box[8]!;
  let o = 28;
  if (version > 0) {
    if (box.length < o + 4) throw fail('is cut off in its KID count at offset 28');
    o += 4 + 16 * box.readUInt32BE(o);
  }
  if (box.length < o + 4) throw fail(`is cut off in its data size at offset ${o}`);
  const size = box.readUInt32BE(o);
  if (o + 4 + size !== box.length) throw fail(`data size ${size} at offset ${o} does not match the box end`);
  return box.subarray(o + 4, o + 4 + size);
}
