import { createCipheriv } from 'node:crypto';
import type { ProtectionScheme } from '../content-key.js';
import { kidToGuidLittleEndian } from './guid.js';
import { buildPssh } from './pssh-box.js';
import { SYSTEM_IDS } from './system-ids.js';

const WRM_NS = 'http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader';

export interface PlayReadyHeaderInput {
  /** KIDs with their content keys (the key is needed only for the AESCTR checksum). */
  keys: { kid: Buffer; key?: Buffer }[];
  scheme: ProtectionScheme;
  laUrl?: string;
}

/**
 * The WRMHEADER XML (PlayReady Header Specification). cbcs content needs version 4.3 with
 * ALGID AESCBC; cenc uses 4.0 for one KID (the widest client support) and 4.2 for several.
 * KIDs are base64 of the little-endian GUID form. Attributes in alphabetical order, every
 * node explicitly closed (the specification's syntax requirements).
 */
export function buildWrmHeader(input: PlayReadyHeaderInput): string {
  if (input.keys.length === 0) throw new RangeError('a PlayReady header needs at least one KID');
  const cbc = input.scheme === 'cbcs' || input.scheme === 'cbc1' || input.scheme === 'sample-aes';
  const la = input.laUrl ? `<LA_URL>${escapeXml(input.laUrl)}</LA_URL>` : '';
  if (!cbc && input.keys.length === 1) {
    const k = input.keys[0]!;
    const checksum = k.key ? `<CHECKSUM>${ctrChecksum(k.kid, k.key)}</CHECKSUM>` : '';
    return `<WRMHEADER xmlns="${WRM_NS}" version="4.0.0.0"><DATA><PROTECTINFO><KEYLEN>16</KEYLEN><ALGID>AESCTR</ALGID></PROTECTINFO>` +
      `<KID>${kidToGuidLittleEndian(k.kid).toString('base64')}</KID>${checksum}${la}</DATA></WRMHEADER>`;
  }
  const version = cbc ? '4.3.0.0' : '4.2.0.0';
  const algid = cbc ? 'AESCBC' : 'AESCTR';
  const kids = input.keys.map((k) => {
    // The checksum is defined for AESCTR keys; for AESCBC we leave the optional attribute out.
    const checksum = !cbc && k.key ? ` CHECKSUM="${ctrChecksum(k.kid, k.key)}"` : '';
    return `<KID ALGID="${algid}"${checksum} VALUE="${kidToGuidLittleEndian(k.kid).toString('base64')}"></KID>`;
  }).join('');
  return `<WRMHEADER xmlns="${WRM_NS}" version="${version}"><DATA><PROTECTINFO><KIDS>${kids}</KIDS></PROTECTINFO>${la}</DATA></WRMHEADER>`;
}

/** AESCTR checksum: the GUID-form KID encrypted with the content key (AES-ECB), first 8 bytes. */
function ctrChecksum(kid: Buffer, key: Buffer): string {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(kidToGuidLittleEndian(kid)), c.final()]).subarray(0, 8).toString('base64');
}

/**
 * PlayReady Object: DWORD length, WORD record count, then records (WORD type 1 = rights
 * management header, WORD length, UTF-16LE WRMHEADER). All little-endian.
 */
export function buildPlayReadyObject(wrmHeader: string): Buffer {
  const xml = Buffer.from(wrmHeader, 'utf16le');
  const out = Buffer.alloc(10 + xml.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(1, 4);
  out.writeUInt16LE(1, 6);
  out.writeUInt16LE(xml.length, 8);
  xml.copy(out, 10);
  return out;
}

/** Read the WRMHEADER XML back out of a PRO (first type-1 record). */
export function parsePlayReadyObject(pro: Buffer): string {
  if (pro.length < 6) throw new RangeError(`PlayReady Object too short (${pro.length} bytes)`);
  const count = pro.readUInt16LE(4);
  let o = 6;
  for (let i = 0; i < count; i++) {
    if (o + 4 > pro.length) throw new RangeError(`PlayReady Object record ${i} truncated at offset ${o}`);
    const type = pro.readUInt16LE(o);
    const len = pro.readUInt16LE(o + 2);
    if (o + 4 + len > pro.length) throw new RangeError(`PlayReady Object record ${i} overruns at offset ${o}`);
    if (type === 1) return pro.toString('utf16le', o + 4, o + 4 + len);
    o += 4 + len;
  }
  throw new RangeError('PlayReady Object has no rights management header record');
}

/** Version 1 pssh listing the KIDs, PRO as data (what CMAF players and Shaka write). */
export function buildPlayReadyPssh(pro: Buffer, kids: Buffer[]): Buffer {
  return buildPssh(SYSTEM_IDS.playready, pro, kids);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
