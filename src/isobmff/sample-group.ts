import { writeFullBoxHeader } from './box.js';

/**
 * The `seig` sample group of key rotation (ISO/IEC 23001-7 6 CencSampleEncryptionInformationGroupEntry;
 * ISO/IEC 14496-12 8.9.2 sbgp, 8.9.3 sgpd): one fragment-local group description naming the
 * fragment's KID (and pattern, IV size, constant IV), and an sbgp putting every sample of the
 * traf in it. Index 0x10001 = the first entry of the sgpd in this traf (14496-12 8.9.4).
 */
export interface SeigEntry {
  kid: Buffer;
  cryptByteBlock: number;
  skipByteBlock: number;
  /** Per_Sample_IV_Size: 0 with a constant IV (cbcs). */
  ivSize: 0 | 8 | 16;
  constantIv?: Buffer;
}

export const FRAGMENT_LOCAL_GROUP_1 = 0x10001;
const SBGP_SIZE = 28;

function entryLength(e: SeigEntry): number {
  return 20 + (e.ivSize === 0 ? 1 + (e.constantIv?.length ?? 16) : 0);
}

/** Bytes of the sbgp + sgpd pair for one seig entry. */
export function seigGroupSize(e: SeigEntry): number {
  return SBGP_SIZE + 24 + entryLength(e);
}

/** Write sbgp (all `sampleCount` samples -> 0x10001) then sgpd (version 1, one entry); returns the end. */
export function writeSeigGroup(out: Buffer, at: number, e: SeigEntry, sampleCount: number): number {
  let o = writeFullBoxHeader(out, at, SBGP_SIZE, 'sbgp', 0, 0);
  o += out.write('seig', o, 'latin1');
  out.writeUInt32BE(1, o); o += 4; // entry_count
  out.writeUInt32BE(sampleCount, o); o += 4;
  out.writeUInt32BE(FRAGMENT_LOCAL_GROUP_1, o); o += 4;
  const len = entryLength(e);
  o = writeFullBoxHeader(out, o, 24 + len, 'sgpd', 1, 0);
  o += out.write('seig', o, 'latin1');
  out.writeUInt32BE(len, o); o += 4; // default_length (version 1)
  out.writeUInt32BE(1, o); o += 4; // entry_count
  out[o++] = 0; // reserved
  out[o++] = ((e.cryptByteBlock & 0xf) << 4) | (e.skipByteBlock & 0xf);
  out[o++] = 1; // isProtected
  out[o++] = e.ivSize;
  o += e.kid.copy(out, o, 0, 16);
  if (e.ivSize === 0) {
    const iv = e.constantIv ?? Buffer.alloc(16);
    out[o++] = iv.length;
    o += iv.copy(out, o);
  }
  return o;
}
