/**
 * KID byte orders. CENC and Widevine carry a KID big-endian (as written in a UUID); PlayReady
 * headers carry it as a Microsoft GUID, whose first three fields are little-endian.
 */
export function kidToGuidLittleEndian(kid: Buffer): Buffer {
  if (kid.length !== 16) throw new RangeError(`KID must be 16 bytes, got ${kid.length}`);
  const out = Buffer.from(kid);
  out.writeUInt32LE(kid.readUInt32BE(0), 0);
  out.writeUInt16LE(kid.readUInt16BE(4), 4);
  out.writeUInt16LE(kid.readUInt16BE(6), 6);
  return out;
}

/** The swap is its own inverse. */
export const guidLittleEndianToKid = kidToGuidLittleEndian;

/** `98ee5596-cd3e-a20d-163a-e382420c6eff` form of 16 bytes. */
export function kidToUuid(kid: Buffer): string {
  const h = kid.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
