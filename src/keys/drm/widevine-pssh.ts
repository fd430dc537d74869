import type { ProtectionScheme } from '../content-key.js';
import { buildPssh } from './pssh-box.js';
import { SYSTEM_IDS } from './system-ids.js';

/**
 * Widevine `pssh` data: the WidevinePsshData protobuf (the fields every license server reads):
 *   2 key_id (bytes, repeated), 3 provider (string), 4 content_id (bytes),
 *   9 protection_scheme (uint32 fourcc, e.g. 'cbcs' = 0x63626373).
 */
export interface WidevinePsshData {
  kids: Buffer[];
  contentId?: Buffer;
  provider?: string;
  scheme?: ProtectionScheme;
}

export function encodeWidevinePsshData(d: WidevinePsshData): Buffer {
  const parts: Buffer[] = [];
  for (const kid of d.kids) parts.push(lengthDelimited(2, kid));
  if (d.provider !== undefined) parts.push(lengthDelimited(3, Buffer.from(d.provider, 'utf8')));
  if (d.contentId !== undefined) parts.push(lengthDelimited(4, d.contentId));
  const fourcc = schemeFourcc(d.scheme);
  if (fourcc !== undefined) parts.push(Buffer.concat([varint((9 << 3) | 0), varint(fourcc)]));
  return Buffer.concat(parts);
}

/** A version 0 Widevine pssh box (the KIDs live in the protobuf, as Widevine servers expect). */
export function buildWidevinePssh(d: WidevinePsshData): Buffer {
  return buildPssh(SYSTEM_IDS.widevine, encodeWidevinePsshData(d));
}

/** Decode the fields we write; unknown fields are skipped. */
export function decodeWidevinePsshData(buf: Buffer): WidevinePsshData & { protectionSchemeFourcc?: number } {
  const out: WidevinePsshData & { protectionSchemeFourcc?: number } = { kids: [] };
  let o = 0;
  while (o < buf.length) {
    const [tag, o1] = readVarint(buf, o);
    o = o1;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const [v, o2] = readVarint(buf, o);
      o = o2;
      if (field === 9) out.protectionSchemeFourcc = v;
    } else if (wire === 2) {
      const [len, o2] = readVarint(buf, o);
      const value = buf.subarray(o2, o2 + len);
      if (o2 + len > buf.length) throw new RangeError(`protobuf field ${field} overruns the data at offset ${o2}`);
      o = o2 + len;
      if (field === 2) out.kids.push(Buffer.from(value));
      else if (field === 3) out.provider = value.toString('utf8');
      else if (field === 4) out.contentId = Buffer.from(value);
    } else if (wire === 5) o += 4;
    else if (wire === 1) o += 8;
    else throw new RangeError(`unsupported protobuf wire type ${wire} at offset ${o}`);
  }
  return out;
}

function schemeFourcc(scheme: ProtectionScheme | undefined): number | undefined {
  switch (scheme) {
    case 'cenc': case 'cbcs': case 'cens': case 'cbc1': return Buffer.from(scheme, 'latin1').readUInt32BE(0);
    case 'sample-aes': return Buffer.from('cbcs', 'latin1').readUInt32BE(0);
    default: return undefined;
  }
}

function lengthDelimited(field: number, value: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) { bytes.push((v & 0x7f) | 0x80); v >>>= 7; }
  bytes.push(v);
  return Buffer.from(bytes);
}

function readVarint(buf: Buffer, offset: number): [number, number] {
  let result = 0;
  let shift = 0;
  let o = offset;
  for (;;) {
    if (o >= buf.length) throw new RangeError(`truncated protobuf varint at offset ${offset}`);
    const b = buf[o++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new RangeError(`protobuf varint too long at offset ${offset}`);
  }
  return [result, o];
}
