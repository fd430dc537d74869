import type { DrmSignal, ProtectionScheme } from '../keys/content-key.js';
import { SYSTEM_IDS } from '../keys/drm/system-ids.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { escapeXmlAttr } from './xml-scan.js';
import { psshData } from './pssh-fields.js';

/** Namespaces the ContentProtection elements may use, declared on the MPD root when used. */
export const DASH_NAMESPACES = {
  cenc: 'urn:mpeg:cenc:2013',
  mspr: 'urn:microsoft:playready',
  dashif: 'https://dashif.org/CPS',
  clearkey: 'http://dashif.org/guidelines/clearKey',
} as const;
export type DashPrefix = keyof typeof DASH_NAMESPACES;

/**
 * One ContentProtection element: attributes and child lines, or, when the key server returned
 * a whole element, that text verbatim.
 */
export interface ContentProtectionElement {
  attrs: [string, string][];
  children: string[];
  verbatim?: string;
}

export interface DashProtectionInput {
  scheme: ProtectionScheme;
  /** The AdaptationSet's KID (cenc:default_KID). */
  defaultKid: Buffer;
  /** What the key server (or the static key model) gives for this KID, one entry per DRM system. */
  drm: DrmSignal[];
  /** ClearKey license server (DASH-IF IOP 4.3 `clearkey:Laurl`, DASH-IF CPS `dashif:Laurl`). */
  clearKeyLicenseUrl?: string;
}

const MP4_PROTECTION = 'urn:mpeg:dash:mp4protection:2011';
const CLEARKEY_URN = `urn:uuid:${SYSTEM_IDS.clearkey}`;

/**
 * The ContentProtection set of one AdaptationSet (ISO/IEC 23009-1 5.8.4.1, ISO/IEC 23001-7
 * 11.2): mp4protection with the scheme and default KID first, then one element per DRM system.
 * ContentProtectionData from the key server is used as returned.
 */
export function contentProtectionElements(input: DashProtectionInput): ContentProtectionElement[] {
  const out: ContentProtectionElement[] = [{
    attrs: [['schemeIdUri', MP4_PROTECTION], ['value', input.scheme], ['cenc:default_KID', kidToUuid(input.defaultKid)]],
    children: [],
  }];
  const seen = new Set<string>();
  input.drm.forEach((d, i) => {
    const systemId = d.systemId.toLowerCase();
    if (seen.has(systemId)) return;
    seen.add(systemId);
    const where = `DRM system ${systemId} (signal ${i})`;
    const attrs: [string, string][] = [['schemeIdUri', `urn:uuid:${systemId}`]];
    if (systemId === SYSTEM_IDS.playready) attrs.push(['value', 'MSPR 2.0']);
    if (systemId === SYSTEM_IDS.clearkey) attrs.push(['value', 'ClearKey1.0']);
    const cpd = d.contentProtectionData?.trim();
    if (cpd) {
      if (/^<(?:[\w-]+:)?ContentProtection[\s>]/.test(cpd)) out.push({ attrs: [], children: [], verbatim: cpd });
      else out.push({ attrs, children: [cpd] });
      return;
    }
    const children: string[] = [];
    if (d.pssh) children.push(`<cenc:pssh>${d.pssh.toString('base64')}</cenc:pssh>`);
    if (d.pssh && systemId === SYSTEM_IDS.playready) children.push(`<mspr:pro>${psshData(d.pssh, where).toString('base64')}</mspr:pro>`);
    if (systemId === SYSTEM_IDS.clearkey && input.clearKeyLicenseUrl) children.push(...clearKeyLaUrl(input.clearKeyLicenseUrl));
    out.push({ attrs, children });
  });
  if (input.clearKeyLicenseUrl && !seen.has(SYSTEM_IDS.clearkey)) {
    // Right after mp4protection: players map the W3C common system and ClearKey to the same EME
    // key system (org.w3.clearkey) and shaka-player keeps the first one's license URL.
    out.splice(1, 0, { attrs: [['schemeIdUri', CLEARKEY_URN], ['value', 'ClearKey1.0']], children: clearKeyLaUrl(input.clearKeyLicenseUrl) });
  }
  return out;
}

function clearKeyLaUrl(url: string): string[] {
  const u = escapeXmlAttr(url);
  return [`<clearkey:Laurl Lic_type="EME-1.0">${u}</clearkey:Laurl>`, `<dashif:Laurl>${u}</dashif:Laurl>`];
}

/** Render elements, one per line, each line prefixed with `indent`; children one `unit` deeper. */
export function renderContentProtection(elements: ContentProtectionElement[], indent = '', unit = '  ', newline = '\n'): string {
  return elements.map((e) => {
    if (e.verbatim !== undefined) return indent + e.verbatim;
    const open = `<ContentProtection ${e.attrs.map(([k, v]) => `${k}="${escapeXmlAttr(v)}"`).join(' ')}`;
    if (e.children.length === 0) return `${indent}${open}/>`;
    return [`${indent}${open}>`, ...e.children.map((c) => indent + unit + c), `${indent}</ContentProtection>`].join(newline);
  }).join(newline);
}

/** The namespace prefixes the rendered elements use. */
export function prefixesUsed(elements: ContentProtectionElement[]): DashPrefix[] {
  const text = renderContentProtection(elements);
  return (Object.keys(DASH_NAMESPACES) as DashPrefix[]).filter((p) => new RegExp(`[<\\s]${p}:`).test(text));
}
