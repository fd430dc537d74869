import type { ProtectionScheme } from '../keys/content-key.js';
import type { CpixDrmSystem } from '../keys/cpix/cpix-model.js';
import { buildCommonPssh } from '../keys/drm/common-pssh.js';
import { fairPlaySkdUri, FAIRPLAY_KEYFORMAT } from '../keys/drm/fairplay.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { hlsKeyLines, hlsMethod } from '../keys/drm/hls-key-lines.js';
import { buildPlayReadyObject, buildPlayReadyPssh, buildWrmHeader } from '../keys/drm/playready-header.js';
import { buildPssh } from '../keys/drm/pssh-box.js';
import { isHlsAes128SystemId, SYSTEM_IDS } from '../keys/drm/system-ids.js';
import { buildWidevinePssh } from '../keys/drm/widevine-pssh.js';
import { escapeXmlAttr } from '../signaling/xml-scan.js';

export interface SignalingContext {
  contentId: string;
  kid: Buffer;
  key: Buffer;
  iv?: Buffer;
  scheme: ProtectionScheme;
  version: 1 | 2;
  /** Base URL of this server (for the HLS AES-128 key URI). */
  baseUrl: string;
  playReadyLaUrl?: string;
  /** The HLS AES-128 key URI (with its download token); default baseUrl/hls-key/<content id>/<KID>. */
  hlsKeyUri?: (contentId: string, kid: Buffer) => string;
  /** This server's ClearKey license URL for a content id: ClearKey's ContentProtectionData names it. */
  clearKeyLicenseUrl?: (contentId: string) => string;
}

/**
 * The systems the server answers for, besides ClearKey AES-128 (either id, see
 * isHlsAes128SystemId); anything else gets a 422 naming the systemId.
 */
export const KNOWN_SYSTEMS: ReadonlySet<string> = new Set([SYSTEM_IDS.widevine, SYSTEM_IDS.playready, SYSTEM_IDS.fairplay, SYSTEM_IDS.common, SYSTEM_IDS.clearkey, SYSTEM_IDS.irdeto]);

const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

/**
 * Fill one DRMSystem of a request: every element the encryptor left empty gets its value; a
 * DRMSystem with no child element gets the system's usual set.
 */
export function fillDrmSystem(req: CpixDrmSystem, ctx: SignalingContext): CpixDrmSystem {
  const out: CpixDrmSystem = { ...req };
  const asked = (['pssh', 'contentProtectionData', 'uriExtXKey', 'keyFormat', 'keyFormatVersions', 'protectionHeader',
    'hlsSignalingDataMedia', 'hlsSignalingDataMaster', 'smoothStreamingProtectionHeaderData'] as const).filter((k) => req[k] !== undefined);
  const id = req.systemId;
  const aes128 = isHlsAes128SystemId(id);
  // FairPlay and AES-128 have no pssh: a placeholder for one is left out of the answer rather
  // than returned empty (every element the answer carries must hold a value).
  const hlsOnly = aes128 || id === SYSTEM_IDS.fairplay;
  if (hlsOnly) { delete out.pssh; delete out.contentProtectionData; delete out.smoothStreamingProtectionHeaderData; delete out.protectionHeader; }
  if (asked.length === 0) {
    if (hlsOnly) {
      if (ctx.version === 1) { out.uriExtXKey = ''; out.keyFormat = ''; out.keyFormatVersions = ''; } else { out.hlsSignalingDataMedia = ''; out.hlsSignalingDataMaster = ''; }
    } else out.pssh = '';
  }
  const s = systemValues(id, ctx);
  const fill = <K extends keyof CpixDrmSystem>(k: K, v: CpixDrmSystem[K] | undefined): void => { if (out[k] !== undefined && v !== undefined) out[k] = v; };
  fill('pssh', s.pssh && b64(s.pssh));
  fill('contentProtectionData', s.pssh && b64(contentProtectionXml(s.pssh, s.pro, id === SYSTEM_IDS.clearkey ? ctx.clearKeyLicenseUrl?.(ctx.contentId) : undefined)));
  fill('uriExtXKey', b64(s.uri));
  fill('keyFormat', b64(s.keyFormat));
  fill('keyFormatVersions', b64('1'));
  fill('protectionHeader', s.pro && b64(s.pro));
  fill('smoothStreamingProtectionHeaderData', s.pro && b64(s.pro));
  const lines = hlsKeyLines({
    method: aes128 ? 'AES-128' : hlsMethod(ctx.scheme),
    uri: s.uri,
    keyFormat: s.keyFormat,
    keyFormatVersions: '1',
    ...(!hlsOnly ? { kidHex: ctx.kid.toString('hex') } : {}),
    ...(aes128 && ctx.iv && ctx.iv.length === 16 ? { ivHex: ctx.iv.toString('hex') } : {}),
  });
  fill('hlsSignalingDataMedia', b64(lines.media));
  fill('hlsSignalingDataMaster', b64(lines.master));
  return out;
}

interface SystemValues { pssh?: Buffer; pro?: Buffer; uri: string; keyFormat: string }

function systemValues(id: string, ctx: SignalingContext): SystemValues {
  if (isHlsAes128SystemId(id)) {
    return { uri: ctx.hlsKeyUri ? ctx.hlsKeyUri(ctx.contentId, ctx.kid) : `${ctx.baseUrl}/hls-key/${encodeURIComponent(ctx.contentId)}/${kidToUuid(ctx.kid)}`, keyFormat: 'identity' };
  }
  switch (id) {
    case SYSTEM_IDS.widevine: {
      const pssh = buildWidevinePssh({ kids: [ctx.kid], contentId: Buffer.from(ctx.contentId, 'utf8'), provider: 'segcrypt', scheme: ctx.scheme });
      return { pssh, uri: `data:text/plain;base64,${pssh.toString('base64')}`, keyFormat: `urn:uuid:${SYSTEM_IDS.widevine}` };
    }
    case SYSTEM_IDS.playready: {
      const pro = buildPlayReadyObject(buildWrmHeader({ keys: [{ kid: ctx.kid, key: ctx.key }], scheme: ctx.scheme, ...(ctx.playReadyLaUrl ? { laUrl: ctx.playReadyLaUrl } : {}) }));
      return { pssh: buildPlayReadyPssh(pro, [ctx.kid]), pro, uri: `data:text/plain;charset=UTF-16;base64,${pro.toString('base64')}`, keyFormat: 'com.microsoft.playready' };
    }
    case SYSTEM_IDS.fairplay:
      return { uri: fairPlaySkdUri(ctx.kid), keyFormat: FAIRPLAY_KEYFORMAT };
    case SYSTEM_IDS.irdeto: {
      // Irdeto's own pssh data is the vendor's; the reference answer is a v1 box naming the KID.
      const pssh = buildPssh(SYSTEM_IDS.irdeto, Buffer.alloc(0), [ctx.kid]);
      return { pssh, uri: `data:text/plain;base64,${pssh.toString('base64')}`, keyFormat: `urn:uuid:${SYSTEM_IDS.irdeto}` };
    }
    case SYSTEM_IDS.clearkey: {
      // ClearKey CDMs read KIDs from the W3C common pssh only (EME "cenc" Initialization Data
      // Format; Chromium refuses a request built from an e2719d58 box: shaka-player error 6006),
      // so ClearKey's pssh is the common system's, as DASH-IF's ClearKey guidelines use it.
      const pssh = buildCommonPssh([ctx.kid]);
      return { pssh, uri: `data:text/plain;base64,${pssh.toString('base64')}`, keyFormat: `urn:uuid:${SYSTEM_IDS.clearkey}` };
    }
    default: {
      const pssh = buildCommonPssh([ctx.kid]);
      return { pssh, uri: `data:text/plain;base64,${pssh.toString('base64')}`, keyFormat: `urn:uuid:${SYSTEM_IDS.common}` };
    }
  }
}

/**
 * DASH ContentProtection children (CPIX ContentProtectionData): cenc:pssh, mspr:pro for PlayReady,
 * and for ClearKey the license server (DASH-IF IOP / Content Protection and Security `dashif:Laurl`,
 * namespace https://dashif.org/CPS), so players need no keys in their configuration.
 */
function contentProtectionXml(pssh: Buffer, pro?: Buffer, laUrl?: string): string {
  const p = `<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${pssh.toString('base64')}</cenc:pssh>`;
  if (laUrl) return `${p}<dashif:Laurl xmlns:dashif="https://dashif.org/CPS">${escapeXmlAttr(laUrl)}</dashif:Laurl>`;
  return pro ? `${p}<mspr:pro xmlns:mspr="urn:microsoft:playready">${pro.toString('base64')}</mspr:pro>` : p;
}
