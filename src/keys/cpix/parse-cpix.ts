import { KeyError } from '../../errors.js';
import type {
  CpixAudioFilter, CpixContentKey, CpixContentKeyPeriod, CpixDeliveryData, CpixDocument, CpixDrmSystem,
  CpixEncryptedValue, CpixUsageRule, CpixVideoFilter,
} from './cpix-model.js';
import { attrOf, childOf, childrenOf, parseUntrustedXml, textOf } from './xml-guard.js';

/**
 * Parse a CPIX document (request or response) into the model. Structure errors name the
 * element; nothing here decrypts (see key-delivery.ts).
 */
export function parseCpix(xml: string | Buffer, what = 'CPIX document'): CpixDocument {
  const tree = parseUntrustedXml(xml, what);
  const root = childOf(tree, 'CPIX');
  if (!root || typeof root !== 'object') {
    throw new KeyError('ERR_CPIX_PARSE', `${what} has no CPIX root element`, { where: 'CPIX' });
  }
  const doc: CpixDocument = {
    id: attrOf(root, 'id'),
    contentId: attrOf(root, 'contentId'),
    version: attrOf(root, 'version'),
    deliveryData: childrenOf(childOf(root, 'DeliveryDataList'), 'DeliveryData').map((n, i) => parseDeliveryData(n, i)),
    contentKeys: childrenOf(childOf(root, 'ContentKeyList'), 'ContentKey').map((n, i) => parseContentKey(n, i)),
    drmSystems: childrenOf(childOf(root, 'DRMSystemList'), 'DRMSystem').map((n, i) => parseDrmSystem(n, i)),
    periods: childrenOf(childOf(root, 'ContentKeyPeriodList'), 'ContentKeyPeriod').map((n, i) => parsePeriod(n, i)),
    usageRules: childrenOf(childOf(root, 'ContentKeyUsageRuleList'), 'ContentKeyUsageRule').map((n, i) => parseUsageRule(n, i)),
  };
  return doc;
}

function parseContentKey(node: unknown, i: number): CpixContentKey {
  const where = `ContentKey[${i}]`;
  // A request may leave the KID to the key server; an absent kid is an empty buffer here.
  const key: CpixContentKey = { kid: attrOf(node, 'kid') ? requiredKid(node, where) : Buffer.alloc(0) };
  const iv = attrOf(node, 'explicitIV');
  if (iv !== undefined && iv !== '') key.explicitIV = base64(iv, `${where}@explicitIV`, [8, 16]);
  const scheme = attrOf(node, 'commonEncryptionScheme');
  if (scheme !== undefined) key.commonEncryptionScheme = scheme;
  const secret = childOf(childOf(node, 'Data'), 'Secret');
  if (secret !== undefined) {
    const plain = textOf(childOf(secret, 'PlainValue'));
    if (plain !== undefined && plain !== '') key.plainValue = base64(plain, `${where}/Data/Secret/PlainValue`);
    const enc = childOf(secret, 'EncryptedValue');
    if (enc !== undefined) key.encryptedValue = parseEncryptedValue(enc, secret, `${where}/Data/Secret/EncryptedValue`);
  }
  return key;
}

/**
 * pskc:EncryptedValue (enc:EncryptionMethod + enc:CipherData/enc:CipherValue), with the
 * pskc:ValueMAC sibling when there is one.
 */
function parseEncryptedValue(node: unknown, parent: unknown, where: string): CpixEncryptedValue {
  const cipher = textOf(childOf(childOf(node, 'CipherData'), 'CipherValue'));
  if (!cipher) throw new KeyError('ERR_CPIX_PARSE', `${where} has no CipherData/CipherValue`, { where });
  const out: CpixEncryptedValue = { cipherValue: base64(cipher, `${where}/CipherData/CipherValue`) };
  const alg = attrOf(childOf(node, 'EncryptionMethod'), 'Algorithm');
  if (alg !== undefined) out.algorithm = alg;
  const mac = textOf(childOf(parent, 'ValueMAC'));
  if (mac) out.valueMac = base64(mac, `${where}/../ValueMAC`);
  return out;
}

function parseDeliveryData(node: unknown, i: number): CpixDeliveryData {
  const where = `DeliveryData[${i}]`;
  const out: CpixDeliveryData = {};
  const id = attrOf(node, 'id');
  if (id !== undefined) out.id = id;
  const cert = textOf(childOf(childOf(childOf(node, 'DeliveryKey'), 'X509Data'), 'X509Certificate'));
  if (cert) out.certificate = base64(cert, `${where}/DeliveryKey/X509Data/X509Certificate`);
  const docSecret = childOf(childOf(childOf(node, 'DocumentKey'), 'Data'), 'Secret');
  const docEnc = childOf(docSecret, 'EncryptedValue');
  if (docEnc !== undefined) out.documentKey = parseEncryptedValue(docEnc, docSecret, `${where}/DocumentKey/Data/Secret/EncryptedValue`);
  const mac = childOf(node, 'MACMethod');
  if (mac !== undefined) {
    const alg = attrOf(mac, 'Algorithm');
    if (alg !== undefined) out.macAlgorithm = alg;
    const key = childOf(mac, 'Key');
    // Both shapes are in the wild: Key/pskc:EncryptedValue/... (AWS) and Key/enc:CipherData (DASH-IF vectors).
    const enc = childOf(key, 'EncryptedValue') ?? key;
    if (enc !== undefined && childOf(enc, 'CipherData') !== undefined) out.macKey = parseEncryptedValue(enc, key, `${where}/MACMethod/Key`);
  }
  return out;
}

function parseDrmSystem(node: unknown, i: number): CpixDrmSystem {
  const where = `DRMSystem[${i}]`;
  const systemId = attrOf(node, 'systemId');
  if (!systemId || !/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(systemId)) {
    throw new KeyError('ERR_CPIX_PARSE', `${where}@systemId is missing or not a UUID`, { where: `${where}@systemId` });
  }
  const out: CpixDrmSystem = { kid: requiredKid(node, where), systemId: normalizeUuid(systemId) };
  const text = (name: string): string | undefined => textOf(childOf(node, name));
  const set = <K extends keyof CpixDrmSystem>(k: K, v: CpixDrmSystem[K] | undefined): void => { if (v !== undefined) out[k] = v; };
  set('pssh', text('PSSH'));
  set('contentProtectionData', text('ContentProtectionData'));
  set('uriExtXKey', text('URIExtXKey'));
  set('keyFormat', text('KeyFormat'));
  set('keyFormatVersions', text('KeyFormatVersions'));
  set('protectionHeader', text('ProtectionHeader'));
  set('smoothStreamingProtectionHeaderData', text('SmoothStreamingProtectionHeaderData'));
  for (const h of childrenOf(node, 'HLSSignalingData')) {
    const playlist = attrOf(h, 'playlist') ?? 'media';
    if (playlist === 'master') out.hlsSignalingDataMaster = textOf(h) ?? '';
    else if (playlist === 'media') out.hlsSignalingDataMedia = textOf(h) ?? '';
    else throw new KeyError('ERR_CPIX_PARSE', `${where}/HLSSignalingData@playlist must be "media" or "master", got "${playlist.slice(0, 20)}"`, { where: `${where}/HLSSignalingData` });
  }
  return out;
}

function parsePeriod(node: unknown, i: number): CpixContentKeyPeriod {
  const where = `ContentKeyPeriod[${i}]`;
  const id = attrOf(node, 'id');
  if (!id) throw new KeyError('ERR_CPIX_PARSE', `${where}@id is missing`, { where });
  const out: CpixContentKeyPeriod = { id };
  const index = attrOf(node, 'index');
  if (index !== undefined) out.index = integer(index, `${where}@index`);
  const start = attrOf(node, 'start');
  if (start !== undefined) out.start = start;
  const end = attrOf(node, 'end');
  if (end !== undefined) out.end = end;
  return out;
}

function parseUsageRule(node: unknown, i: number): CpixUsageRule {
  const where = `ContentKeyUsageRule[${i}]`;
  const rule: CpixUsageRule = { kid: requiredKid(node, where), periodIds: [], videoFilters: [], audioFilters: [] };
  const itt = attrOf(node, 'intendedTrackType');
  if (itt !== undefined) rule.intendedTrackType = itt;
  for (const p of childrenOf(node, 'KeyPeriodFilter')) {
    const id = attrOf(p, 'periodId');
    if (!id) throw new KeyError('ERR_CPIX_PARSE', `${where}/KeyPeriodFilter@periodId is missing`, { where });
    rule.periodIds.push(id);
  }
  for (const v of childrenOf(node, 'VideoFilter')) {
    const f: CpixVideoFilter = {};
    const num = (a: string): number | undefined => { const s = attrOf(v, a); return s === undefined ? undefined : integer(s, `${where}/VideoFilter@${a}`); };
    const minPixels = num('minPixels'); if (minPixels !== undefined) f.minPixels = minPixels;
    const maxPixels = num('maxPixels'); if (maxPixels !== undefined) f.maxPixels = maxPixels;
    const minFps = num('minFps'); if (minFps !== undefined) f.minFps = minFps;
    const maxFps = num('maxFps'); if (maxFps !== undefined) f.maxFps = maxFps;
    const hdr = attrOf(v, 'hdr'); if (hdr !== undefined) f.hdr = hdr === 'true';
    rule.videoFilters.push(f);
  }
  for (const a of childrenOf(node, 'AudioFilter')) {
    const f: CpixAudioFilter = {};
    const min = attrOf(a, 'minChannels'); if (min !== undefined) f.minChannels = integer(min, `${where}/AudioFilter@minChannels`);
    const max = attrOf(a, 'maxChannels'); if (max !== undefined) f.maxChannels = integer(max, `${where}/AudioFilter@maxChannels`);
    rule.audioFilters.push(f);
  }
  return rule;
}

function requiredKid(node: unknown, where: string): Buffer {
  const kid = attrOf(node, 'kid');
  if (kid === undefined) throw new KeyError('ERR_CPIX_PARSE', `${where}@kid is missing`, { where: `${where}@kid` });
  const hex = kid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new KeyError('ERR_CPIX_PARSE', `${where}@kid is not a UUID`, { where: `${where}@kid` });
  return Buffer.from(hex, 'hex');
}

function normalizeUuid(u: string): string {
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function base64(text: string, where: string, lengths?: number[]): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new KeyError('ERR_CPIX_PARSE', `${where} is not base64`, { where });
  }
  const buf = Buffer.from(clean, 'base64');
  if (lengths && !lengths.includes(buf.length)) {
    throw new KeyError('ERR_CPIX_PARSE', `${where} decodes to ${buf.length} bytes, expected ${lengths.join(' or ')}`, { where });
  }
  return buf;
}

function integer(s: string, where: string): number {
  if (!/^-?\d+$/.test(s.trim())) throw new KeyError('ERR_CPIX_PARSE', `${where} is not an integer`, { where });
  return Number(s);
}
