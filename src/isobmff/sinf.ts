import { MediaError } from '../errors.js';
import { boxPlace, childBoxes, writeBoxHeader, writeFullBoxHeader, type Box } from './box.js';

/**
 * Protection scheme info (ISO/IEC 23001-7 8.1-8.2, ISO/IEC 14496-12 8.12): `sinf` =
 * `frma` (original format) + `schm` (scheme, version 0x00010000) + `schi`/`tenc`.
 */
export interface TrackEncryption {
  scheme: 'cenc' | 'cbcs' | 'cens' | 'cbc1';
  kid: Buffer;
  /** Per-sample IV size: 8 or 16, or 0 with a constant IV (cbcs). */
  ivSize: 0 | 8 | 16;
  constantIv?: Buffer;
  cryptByteBlock: number;
  skipByteBlock: number;
}

export interface ProtectionInfo extends TrackEncryption {
  originalFormat: string;
}

function tencSize(t: TrackEncryption): number {
  return 32 + (t.ivSize === 0 ? 1 + (t.constantIv?.length ?? 0) : 0);
}

export function writeSinf(originalFormat: string, t: TrackEncryption): Buffer {
  const tenc = tencSize(t);
  const size = 8 + 12 + 20 + 8 + tenc;
  const out = Buffer.alloc(size);
  let o = writeBoxHeader(out, 0, size, 'sinf');
  o = writeBoxHeader(out, o, 12, 'frma');
  out.write(originalFormat, o, 4, 'latin1'); o += 4;
  o = writeFullBoxHeader(out, o, 20, 'schm', 0, 0);
  out.write(t.scheme, o, 4, 'latin1'); o += 4;
  out.writeUInt32BE(0x00010000, o); o += 4;
  o = writeBoxHeader(out, o, 8 + tenc, 'schi');
  // tenc version 1 carries the pattern; cens/cbcs need it (23001-7 8.2.2).
  const version = t.scheme === 'cens' || t.scheme === 'cbcs' ? 1 : 0;
  o = writeFullBoxHeader(out, o, tenc, 'tenc', version, 0);
  out[o++] = 0;
  out[o++] = version === 1 ? ((t.cryptByteBlock & 0xf) << 4) | (t.skipByteBlock & 0xf) : 0;
  out[o++] = 1; // default_isProtected
  out[o++] = t.ivSize;
  t.kid.copy(out, o); o += 16;
  if (t.ivSize === 0) {
    const iv = t.constantIv ?? Buffer.alloc(16);
    out[o++] = iv.length;
    iv.copy(out, o); o += iv.length;
  }
  return out;
}

/** Parse a `sinf` box (used by tests and inspection). */
export function parseSinf(buf: Buffer, sinf: Box): ProtectionInfo {
  const kids = childBoxes(buf, sinf);
  const frma = kids.find((b) => b.type === 'frma');
  const schm = kids.find((b) => b.type === 'schm');
  const schi = kids.find((b) => b.type === 'schi');
  if (!frma || !schm || !schi) throw new MediaError('ERR_BOX_MISSING', `${boxPlace(sinf)} lacks frma, schm or schi`, { where: sinf.path });
  const tenc = childBoxes(buf, schi).find((b) => b.type === 'tenc');
  if (!tenc) throw new MediaError('ERR_BOX_MISSING', `${boxPlace(schi)} has no tenc`, { where: schi.path });
  const v = buf[tenc.bodyStart]!;
  const b = tenc.bodyStart + 4;
  const ivSize = buf[b + 3]! as 0 | 8 | 16;
  const info: ProtectionInfo = {
    originalFormat: buf.toString('latin1', frma.bodyStart, frma.bodyStart + 4),
    scheme: buf.toString('latin1', schm.bodyStart + 4, schm.bodyStart + 8) as TrackEncryption['scheme'],
    kid: Buffer.from(buf.subarray(b + 4, b + 20)),
    ivSize,
    cryptByteBlock: v === 1 ? buf[b + 1]! >> 4 : 0,
    skipByteBlock: v === 1 ? buf[b + 1]! & 0xf : 0,
  };
  if (ivSize === 0 && buf[b + 2] === 1) {
    const n = buf[b + 20]!;
    info.constantIv = Buffer.from(buf.subarray(b + 21, b + 21 + n));
  }
  return info;
}

