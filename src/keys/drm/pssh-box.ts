import { systemIdBytes } from './system-ids.js';

/**
 * Build a complete `pssh` box (ISO/IEC 23001-7 8.1). Version 1 lists KIDs, version 0 does not.
 */
export function buildPssh(systemId: string, data: Buffer, kids?: Buffer[]): Buffer {
  const version = kids && kids.length > 0 ? 1 : 0;
  const size = 8 + 4 + 16 + (version ? 4 + 16 * kids!.length : 0) + 4 + data.length;
  const out = Buffer.alloc(size);
  let o = 0;
  out.writeUInt32BE(size, o); o += 4;
  out.write('pssh', o, 'latin1'); o += 4;
  out.writeUInt32BE((version << 24) >>> 0, o); o += 4;
  systemIdBytes(systemId).copy(out, o); o += 16;
  if (version) {
    out.writeUInt32BE(kids!.length, o); o += 4;
    for (const k of kids!) { k.copy(out, o); o += 16; }
  }
  out.writeUInt32BE(data.length, o); o += 4;
  data.copy(out, o);
  return out;
}
