/**
 * What the page shows for one package, read from its manifests alone (pure: manifest text in,
 * description out): the scheme, the KIDs, the DRM systems and the signaling lines players see
 * (DASH ContentProtection elements, HLS EXT-X-KEY / EXT-X-SESSION-KEY lines), and which player
 * plays it (shaka-player for DASH and HLS fMP4, hls.js for HLS MPEG-TS).
 */
import { SYSTEM_IDS } from '../keys/drm/system-ids.js';

export type PlayerName = 'shaka' | 'hlsjs';

export interface PackageInfo {
  /** The package's folder name (its URL path under /pkg/). */
  name: string;
  /** The manifest the player loads, relative to the folder. */
  manifest: string;
  format: 'DASH' | 'HLS';
  container: 'fMP4' | 'MPEG-TS';
  player: PlayerName;
  /** cenc, cbcs, cens, cbc1, aes-128, sample-aes; 'clear' when nothing signals protection. */
  scheme: string;
  /** KIDs in UUID form, as signaled. */
  kids: string[];
  /** DRM systems (and key delivery) signaled, by name. */
  drmSystems: string[];
  /** The signaling lines, unique, in manifest order. */
  signaling: string[];
}

const SYSTEM_NAMES: Record<string, string> = {
  [SYSTEM_IDS.clearkey]: 'ClearKey', [SYSTEM_IDS.common]: 'W3C common (ClearKey)', [SYSTEM_IDS.widevine]: 'Widevine',
  [SYSTEM_IDS.playready]: 'PlayReady', [SYSTEM_IDS.fairplay]: 'FairPlay', [SYSTEM_IDS.irdeto]: 'Irdeto',
};
const KEYFORMAT_NAMES: Record<string, string> = {
  identity: 'key URI (identity)', 'com.apple.streamingkeydelivery': 'FairPlay', 'com.microsoft.playready': 'PlayReady',
};

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
const uuid = (hex: string): string => {
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const systemName = (id: string): string => SYSTEM_NAMES[id.toLowerCase()] ?? `urn:uuid:${id.toLowerCase()}`;

/** A DASH package from its MPD text. */
export function describeDash(name: string, manifest: string, mpd: string): PackageInfo {
  const elements = mpd.match(/<ContentProtection\b[^>]*\/>|<ContentProtection\b[\s\S]*?<\/ContentProtection>/g) ?? [];
  const signaling = unique(elements.map((e) => e.replace(/>\s+</g, '><').trim()));
  const scheme = /schemeIdUri="urn:mpeg:dash:mp4protection:2011"[^>]*?\svalue="([a-z0-9]{4})"/.exec(mpd)?.[1] ?? 'clear';
  const kids = unique([...mpd.matchAll(/default_KID="([0-9a-fA-F-]{36})"/g)].map((m) => m[1]!.toLowerCase()));
  const drmSystems = unique([...mpd.matchAll(/schemeIdUri="urn:uuid:([0-9a-fA-F-]{36})"/g)].map((m) => systemName(m[1]!)));
  return { name, manifest, format: 'DASH', container: 'fMP4', player: 'shaka', scheme, kids, drmSystems, signaling };
}

/** An HLS package from its master (or only) playlist and its media playlists' text. */
export function describeHls(name: string, manifest: string, playlists: string[]): PackageInfo {
  const lines = playlists.flatMap((p) => p.split(/\r?\n/).map((l) => l.trim()));
  const keyLines = unique(lines.filter((l) => /^#EXT-X-(SESSION-)?KEY:/.test(l) && !/METHOD=NONE/.test(l)));
  const fmp4 = lines.some((l) => l.startsWith('#EXT-X-MAP:'));
  const methods = unique(keyLines.map((l) => /METHOD=([A-Z0-9-]+)/.exec(l)?.[1] ?? ''));
  const method = methods.find((m) => m) ?? 'NONE';
  const scheme = method === 'AES-128' ? 'aes-128' : method === 'SAMPLE-AES-CTR' ? 'cenc' : method === 'SAMPLE-AES' ? (fmp4 ? 'cbcs' : 'sample-aes') : 'clear';
  const kids = unique(keyLines.flatMap((l) => {
    const keyId = /KEYID=0x([0-9a-fA-F]{32})/.exec(l)?.[1];
    // A key URI without KEYID (AES-128, identity SAMPLE-AES): the KID in the key server's path.
    const inUri = /URI="[^"]*\/([0-9a-fA-F]{32}|[0-9a-fA-F-]{36})(?:\?[^"]*)?"/.exec(l)?.[1];
    const hex = (keyId ?? inUri ?? '').replace(/-/g, '');
    return hex.length === 32 ? [uuid(hex)] : [];
  }));
  const drmSystems = unique(keyLines.map((l) => {
    const fmt = /KEYFORMAT="([^"]*)"/.exec(l)?.[1] ?? 'identity';
    return KEYFORMAT_NAMES[fmt] ?? (fmt.startsWith('urn:uuid:') ? systemName(fmt.slice(9)) : fmt);
  }));
  return { name, manifest, format: 'HLS', container: fmp4 ? 'fMP4' : 'MPEG-TS', player: fmp4 ? 'shaka' : 'hlsjs', scheme, kids, drmSystems, signaling: keyLines };
}

/** Media playlist URIs a master playlist names (EXT-X-STREAM-INF lines' next line, EXT-X-MEDIA URI). */
export function mediaPlaylistUris(master: string): string[] {
  const lines = master.split(/\r?\n/).map((l) => l.trim());
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('#EXT-X-STREAM-INF')) { const next = lines.slice(i + 1).find((x) => x && !x.startsWith('#')); if (next) out.push(next); }
    const media = /^#EXT-X-MEDIA:.*URI="([^"]+)"/.exec(l)?.[1];
    if (media) out.push(media);
  });
  return unique(out);
}
