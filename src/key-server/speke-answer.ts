import { randomBytes } from 'node:crypto';
import { KeyError } from '../errors.js';
import type { ProtectionScheme } from '../keys/content-key.js';
import { buildCpix } from '../keys/cpix/build-cpix.js';
import type { CpixContentKey, CpixDocument, CpixDrmSystem } from '../keys/cpix/cpix-model.js';
import { newDeliverySecrets, sealContentKey, sealDeliveryData } from '../keys/cpix/key-delivery.js';
import { parseCpix } from '../keys/cpix/parse-cpix.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { isHlsAes128SystemId, SYSTEM_IDS } from '../keys/drm/system-ids.js';
import { contentIdProblem, deriveContentKey } from './key-derivation.js';
import { fillDrmSystem, KNOWN_SYSTEMS } from './drm-signaling.js';
import { firstLimitExceeded, limitMessage, REQUEST_LIMITS } from './request-limits.js';
import { checkEncryptionContract } from './encryption-contract.js';
import { RequestRejected, refuse } from './request-rejected.js';
import { checkDrmSystem, checkV2Document, checkV2DrmSystemList } from './request-validation.js';

export { RequestRejected } from './request-rejected.js';

export interface AnswerContext {
  version: 1 | 2;
  secret: Buffer;
  baseUrl: string;
  playReadyLaUrl?: string;
  /** The HLS AES-128 key URI for a key (with its download token); null: key download is off. Default: baseUrl/hls-key/... */
  hlsKeyUri?: ((contentId: string, kid: Buffer) => string) | null;
  /** The ClearKey license URL of a content id (signaled as dashif:Laurl in ClearKey's ContentProtectionData). */
  clearKeyLicenseUrl?: (contentId: string) => string;
  /** Told of every key the answer issues (the license endpoint answers for these only). */
  onIssued?: (contentId: string, kid: Buffer) => void;
}

const SCHEMES = new Set(['cenc', 'cbcs', 'cens', 'cbc1']);
const DEFAULT_SYSTEMS = [SYSTEM_IDS.widevine, SYSTEM_IDS.playready, SYSTEM_IDS.common, SYSTEM_IDS.fairplay];

/**
 * Answer one SPEKE request (pure: request bytes in, response XML out). A document that does not
 * parse is a 400; a well-formed one the server will not answer a 422 (request-validation.ts,
 * encryption-contract.ts), with the SPEKE v2 constraints' and MediaPackage guide's error strings.
 */
export function answerSpekeRequest(body: Buffer, ctx: AnswerContext): string {
  // Bounded work: too many elements are refused before parsing (one linear scan) and again after.
  const over = firstLimitExceeded(body);
  if (over) throw new RequestRejected(413, limitMessage(over));
  let req: CpixDocument;
  try {
    req = parseCpix(body, 'SPEKE request');
  } catch (e) {
    if (e instanceof KeyError) throw new RequestRejected(400, e.message);
    throw e;
  }
  const contentId = ctx.version === 2 ? req.contentId : req.id ?? req.contentId;
  if (ctx.version === 2) checkV2Document(req);
  else if (!contentId) throw refuse('Missing CPIX@id');
  checkCounts(req);
  checkContentId(contentId!, ctx.version === 2 ? 'CPIX@contentId' : 'CPIX@id');
  if (req.contentKeys.length === 0) throw refuse('Missing ContentKeyList/ContentKey');
  const scheme = schemeOf(req, ctx.version);
  if (ctx.version === 2) { checkEncryptionContract(req); checkV2DrmSystemList(req); }

  // Random KIDs for keys the encryptor left without one.
  const keys: CpixContentKey[] = req.contentKeys.map((k) => ({ ...k, kid: k.kid.length === 16 ? k.kid : randomBytes(16) }));
  const seen = new Set<string>();
  for (const k of keys) {
    const h = k.kid.toString('hex');
    if (seen.has(h)) throw refuse(`Duplicate ContentKey kid ${kidToUuid(k.kid)}`);
    seen.add(h);
  }
  const values = new Map(keys.map((k) => [k.kid.toString('hex'), deriveContentKey(ctx.secret, contentId!, k.kid)]));
  const ivs = new Map(keys.map((k) => [k.kid.toString('hex'), k.explicitIV]));

  const requestedSystems: CpixDrmSystem[] = req.drmSystems.length > 0
    ? req.drmSystems
    : keys.flatMap((k) => DEFAULT_SYSTEMS.filter((id) => id !== SYSTEM_IDS.fairplay || ctx.version === 1 || scheme === 'cbcs').map((systemId) => ({ kid: k.kid, systemId })));
  if (requestedSystems.length > REQUEST_LIMITS.drmSystems) {
    throw new RequestRejected(413, limitMessage({ element: 'DRMSystem (with defaults)', count: requestedSystems.length, limit: REQUEST_LIMITS.drmSystems }));
  }
  const drmSystems = requestedSystems.map((d) => {
    checkDrmSystem(d, values, scheme, ctx.version, KNOWN_SYSTEMS);
    if (ctx.hlsKeyUri === null && isHlsAes128SystemId(d.systemId)) throw new RequestRejected(400, `Unsupported DRMSystem ${d.systemId}: HLS key download is off on this server`);
    const key = values.get(d.kid.toString('hex'))!;
    const iv = ivs.get(d.kid.toString('hex'));
    return fillDrmSystem(d, { contentId: contentId!, kid: d.kid, key, scheme, version: ctx.version, baseUrl: ctx.baseUrl, ...(iv ? { iv } : {}), ...(ctx.hlsKeyUri ? { hlsKeyUri: ctx.hlsKeyUri } : {}),
      ...(ctx.clearKeyLicenseUrl ? { clearKeyLicenseUrl: ctx.clearKeyLicenseUrl } : {}), ...(ctx.playReadyLaUrl ? { playReadyLaUrl: ctx.playReadyLaUrl } : {}) });
  });

  const recipient = req.deliveryData.find((d) => d.certificate);
  const secrets = recipient ? newDeliverySecrets() : undefined;
  let deliveryData = req.deliveryData;
  if (recipient && secrets) {
    try {
      deliveryData = [sealDeliveryData(recipient.certificate!, secrets, recipient.id)];
    } catch (e) {
      throw refuse(e instanceof KeyError ? e.message : 'DeliveryKey certificate unusable');
    }
  }
  const contentKeys = keys.map((k): CpixContentKey => {
    const value = values.get(k.kid.toString('hex'))!;
    const out: CpixContentKey = { kid: k.kid };
    if (k.explicitIV) out.explicitIV = k.explicitIV;
    if (k.commonEncryptionScheme) out.commonEncryptionScheme = k.commonEncryptionScheme;
    if (secrets) out.encryptedValue = sealContentKey(value, secrets);
    else out.plainValue = value;
    return out;
  });
  const res: CpixDocument = { ...req, deliveryData, contentKeys, drmSystems };
  const xml = buildCpix(res);
  for (const k of keys) ctx.onIssued?.(contentId!, k.kid);
  return xml;
}

function checkCounts(req: CpixDocument): void {
  const counts = [['ContentKey', req.contentKeys.length, REQUEST_LIMITS.contentKeys], ['DRMSystem', req.drmSystems.length, REQUEST_LIMITS.drmSystems],
    ['ContentKeyUsageRule', req.usageRules.length, REQUEST_LIMITS.usageRules], ['ContentKeyPeriod', req.periods.length, REQUEST_LIMITS.periods]] as const;
  for (const [element, count, limit] of counts) if (count > limit) throw new RequestRejected(413, limitMessage({ element, count, limit }));
}

function checkContentId(id: string, where: string): void {
  const problem = contentIdProblem(id);
  if (problem) throw new RequestRejected(400, `${where} ${problem}`);
}

/** v1 has no commonEncryptionScheme: FairPlay in the request implies cbcs, otherwise cenc. */
function schemeOf(req: CpixDocument, version: 1 | 2): ProtectionScheme {
  if (version === 1) return req.drmSystems.some((d) => d.systemId === SYSTEM_IDS.fairplay) ? 'cbcs' : 'cenc';
  const schemes = new Set<string>();
  for (const k of req.contentKeys) {
    if (!k.commonEncryptionScheme) throw refuse(`Missing ContentKey@commonEncryptionScheme for KID ${k.kid.length === 16 ? kidToUuid(k.kid) : '(none)'}`);
    if (!SCHEMES.has(k.commonEncryptionScheme)) throw refuse(`Unsupported ContentKey@commonEncryptionScheme ${k.commonEncryptionScheme.slice(0, 10)}`);
    schemes.add(k.commonEncryptionScheme);
  }
  if (schemes.size > 1) throw refuse('Non compliant ContentKey@commonEncryptionScheme combination');
  return [...schemes][0] as ProtectionScheme;
}
