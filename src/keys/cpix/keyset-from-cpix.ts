import type { KeyObject } from 'node:crypto';
import { KeyError } from '../../errors.js';
import type { ContentKey, DrmSignal, KeyPeriod, KeySet, TrackFilter, TrackType } from '../content-key.js';
import { kidToUuid } from '../drm/guid.js';
import type { CpixDocument, CpixDrmSystem, CpixUsageRule } from './cpix-model.js';
import { openContentKey, openDeliveryData, type DeliverySecrets } from './key-delivery.js';

export interface CpixKeyOptions {
  /** Recipient private key, needed when the content keys are encrypted. */
  privateKey?: KeyObject | string | Buffer;
  /** Our delivery certificate (DER): selects our DeliveryData when there are several recipients. */
  certificate?: Buffer;
}

/**
 * Turn a CPIX document into the engine's KeySet: decrypt (MAC first), attach track types from
 * the usage rules and the key period, and decode every DRM system's signaling. Placeholders the
 * server left empty are dropped.
 */
export function keySetFromCpix(doc: CpixDocument, options: CpixKeyOptions = {}): KeySet {
  const secrets = doc.contentKeys.some((k) => k.encryptedValue) ? openSecrets(doc, options) : undefined;
  if (doc.deliveryData.some((d) => d.documentKey) && doc.contentKeys.some((k) => k.plainValue)) {
    throw new KeyError('ERR_CPIX_PARSE', 'a content key is in the clear although the document carries DeliveryData for encrypted delivery', { where: 'ContentKeyList' });
  }
  const keys: ContentKey[] = doc.contentKeys.map((k, i) => {
    if (k.kid.length !== 16) throw new KeyError('ERR_CPIX_PARSE', `ContentKey[${i}]@kid is missing`, { where: `ContentKey[${i}]@kid` });
    const uuid = kidToUuid(k.kid);
    let value: Buffer;
    if (k.encryptedValue) value = openContentKey(k, secrets!);
    else if (k.plainValue) value = k.plainValue;
    else throw new KeyError('ERR_CPIX_NO_KEY', `ContentKey kid=${uuid} has no key value (neither PlainValue nor EncryptedValue)`, { where: `ContentKey[kid=${uuid}]/Data` });
    if (value.length !== 16) {
      throw new KeyError('ERR_CPIX_KEY_LENGTH', `ContentKey kid=${uuid} value is ${value.length} bytes, AES-128 needs 16`, { where: `ContentKey[kid=${uuid}]/Data` });
    }
    const out: ContentKey = { kid: k.kid, key: value };
    if (k.explicitIV) out.iv = k.explicitIV;
    const rules = doc.usageRules.filter((r) => r.kid.equals(k.kid));
    const tracks = trackTypesOf(rules);
    if (tracks) out.trackTypes = tracks;
    const filters = filtersOf(rules);
    if (filters.length > 0) out.filters = filters;
    const itt = rules.map((r) => r.intendedTrackType).filter((x): x is string => !!x);
    if (itt.length > 0) out.intendedTrackType = [...new Set(itt)].join('+');
    const period = rules.flatMap((r) => r.periodIds)[0];
    if (period !== undefined) out.period = period;
    return out;
  });
  const drm = doc.drmSystems.map(drmSignal);
  const set: KeySet = { keys, drm };
  if (doc.periods.length > 0) {
    set.periods = doc.periods.map((p) => {
      const kp: KeyPeriod = { id: p.id };
      if (p.index !== undefined) kp.index = p.index;
      if (p.start !== undefined) kp.start = p.start;
      if (p.end !== undefined) kp.end = p.end;
      return kp;
    });
  }
  return set;
}

function openSecrets(doc: CpixDocument, options: CpixKeyOptions): DeliverySecrets {
  if (!options.privateKey) {
    throw new KeyError('ERR_CPIX_NO_PRIVATE_KEY', 'the content keys are encrypted but no delivery private key was given', { where: 'DeliveryDataList' });
  }
  const candidates = doc.deliveryData.filter((d) => d.documentKey);
  if (candidates.length === 0) throw new KeyError('ERR_CPIX_DECRYPT', 'the content keys are encrypted but there is no DeliveryData with a DocumentKey', { where: 'DeliveryDataList' });
  const mine = options.certificate ? candidates.filter((d) => d.certificate?.equals(options.certificate!)) : candidates;
  if (mine.length === 0) throw new KeyError('ERR_CPIX_DECRYPT', 'no DeliveryData is addressed to our delivery certificate', { where: 'DeliveryDataList' });
  let last: unknown;
  for (let i = 0; i < mine.length; i++) {
    try {
      return openDeliveryData(mine[i]!, options.privateKey, `DeliveryData[${doc.deliveryData.indexOf(mine[i]!)}]`);
    } catch (e) { last = e; }
  }
  throw last;
}

/** VideoFilter -> video, AudioFilter -> audio (SPEKE v2 encryption contract); no rule = every track. */
function trackTypesOf(rules: CpixUsageRule[]): TrackType[] | undefined {
  if (rules.length === 0) return undefined;
  const t = new Set<TrackType>();
  for (const r of rules) {
    const itt = r.intendedTrackType?.toUpperCase();
    if (r.videoFilters.length > 0 || itt === 'VIDEO' || itt === 'ALL') t.add('video');
    if (r.audioFilters.length > 0 || itt === 'AUDIO' || itt === 'ALL') t.add('audio');
  }
  return t.size === 0 ? undefined : [...t].sort((a, b) => (a === 'video' ? -1 : b === 'video' ? 1 : 0));
}

/** The rules' VideoFilter / AudioFilter bounds, as the engine's key selection reads them. */
function filtersOf(rules: CpixUsageRule[]): TrackFilter[] {
  const out: TrackFilter[] = [];
  for (const r of rules) {
    for (const v of r.videoFilters) out.push({ type: 'video', ...(v.minPixels !== undefined ? { minPixels: v.minPixels } : {}), ...(v.maxPixels !== undefined ? { maxPixels: v.maxPixels } : {}) });
    for (const a of r.audioFilters) out.push({ type: 'audio', ...(a.minChannels !== undefined ? { minChannels: a.minChannels } : {}), ...(a.maxChannels !== undefined ? { maxChannels: a.maxChannels } : {}) });
  }
  return out;
}

function drmSignal(d: CpixDrmSystem, i: number): DrmSignal {
  const where = `DRMSystem[${i}] systemId=${d.systemId}`;
  const s: DrmSignal = { systemId: d.systemId, kid: d.kid };
  const text = (v: string | undefined, el: string): string | undefined => (v ? b64(v, `${where}/${el}`).toString('utf8') : undefined);
  if (d.pssh) s.pssh = checkPssh(b64(d.pssh, `${where}/PSSH`), `${where}/PSSH`);
  const cpd = text(d.contentProtectionData, 'ContentProtectionData');
  if (cpd !== undefined) {
    s.contentProtectionData = cpd;
    // SPEKE v2: when both are present, the pssh inside ContentProtectionData must be PSSH itself.
    const inner = /<(?:[\w-]+:)?pssh[^>]*>([^<]*)<\/(?:[\w-]+:)?pssh>/.exec(cpd);
    if (inner && s.pssh && !Buffer.from(inner[1]!.replace(/\s+/g, ''), 'base64').equals(s.pssh)) {
      throw new KeyError('ERR_SPEKE_PSSH_MISMATCH', `${where}: the pssh in ContentProtectionData differs from PSSH`, { where });
    }
  }
  const uri = text(d.uriExtXKey, 'URIExtXKey');
  if (uri !== undefined) s.uriExtXKey = uri;
  const kf = text(d.keyFormat, 'KeyFormat');
  if (kf !== undefined) s.keyFormat = kf;
  const kfv = text(d.keyFormatVersions, 'KeyFormatVersions');
  if (kfv !== undefined) s.keyFormatVersions = kfv;
  const media = text(d.hlsSignalingDataMedia, 'HLSSignalingData[media]');
  if (media !== undefined) s.hlsSignalingDataMedia = media;
  const master = text(d.hlsSignalingDataMaster, 'HLSSignalingData[master]');
  if (master !== undefined) s.hlsSignalingDataMaster = master;
  // Base64 of a PlayReady Object, kept as the text a Smooth Streaming manifest carries.
  const ss = d.smoothStreamingProtectionHeaderData || d.protectionHeader;
  if (ss) s.smoothStreamingProtectionHeaderData = ss.replace(/\s+/g, '');
  return s;
}

function b64(v: string, where: string): Buffer {
  const clean = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new KeyError('ERR_CPIX_PARSE', `${where} is not base64`, { where });
  return Buffer.from(clean, 'base64');
}

function checkPssh(box: Buffer, where: string): Buffer {
  if (box.length < 32 || box.readUInt32BE(0) !== box.length || box.toString('latin1', 4, 8) !== 'pssh') {
    throw new KeyError('ERR_CPIX_PSSH', `${where} is not a complete pssh box (${box.length} bytes)`, { where });
  }
  return box;
}
