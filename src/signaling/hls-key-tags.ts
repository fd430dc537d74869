import type { DrmSignal, ProtectionScheme } from '../keys/content-key.js';
import { isHlsAes128SystemId, SYSTEM_IDS } from '../keys/drm/system-ids.js';
import { fairPlaySkdUri, FAIRPLAY_KEYFORMAT } from '../keys/drm/fairplay.js';
import { hlsKeyLines, hlsMethod } from '../keys/drm/hls-key-lines.js';
import { checkedKeyLine, checkedQuotedValue, quotableUri } from './hls-key-line-check.js';
import { psshData } from './pssh-fields.js';

export interface HlsSignalingInput {
  scheme: ProtectionScheme;
  kid: Buffer;
  /** Written as IV=0x...; for AES-128 without it the player uses the media sequence number. */
  iv?: Buffer;
  /** One entry per DRM system (what the key server returned for this KID). */
  drm: DrmSignal[];
  /**
   * URI of the key itself (KEYFORMAT identity): AES-128 and clear-key SAMPLE-AES. An `skd://` URI
   * is FairPlay's: it gets KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1" and
   * takes the place of the key server's FairPlay line.
   */
  keyUri?: string;
}

export interface HlsKeyTags {
  /** #EXT-X-KEY lines for media playlists. */
  media: string[];
  /** #EXT-X-SESSION-KEY lines for the master playlist. */
  master: string[];
}

/**
 * EXT-X-KEY / EXT-X-SESSION-KEY lines (RFC 8216 4.3.2.4, 4.3.4.5), one per DRM system:
 * METHOD from the scheme (cbcs and TS sample-aes -> SAMPLE-AES, cenc -> SAMPLE-AES-CTR,
 * aes-128 -> AES-128), KEYFORMAT per system. HLSSignalingData and URIExtXKey from the key server
 * are used as returned once checked (well-formed key tags only, values escaped: see
 * hls-key-line-check.ts). AES-128 has one line: keyUri's, else the key server's HLS AES-128 key
 * system (SPEKE v1's 81376844-... or v2's ClearKey AES-128 3ea8778f-... systemId), else none.
 */
export function hlsKeyTags(input: HlsSignalingInput): HlsKeyTags {
  const method = hlsMethod(input.scheme);
  const out: HlsKeyTags = { media: [], master: [] };
  const ivHex = input.iv ? input.iv.toString('hex').padStart(32, '0') : undefined;
  const kidHex = input.kid.toString('hex');
  const seen = new Set<string>();
  // Identity first: with AES-128 it is the only key a player can use.
  if (input.keyUri !== undefined) {
    const fairPlay = /^skd:\/\//i.test(input.keyUri);
    const l = hlsKeyLines({
      // A quoted-string cannot hold '"' or a line break (RFC 8216 4.2): percent-encoded, as URIs allow.
      method, uri: quotableUri(input.keyUri), ...(ivHex ? { ivHex } : {}),
      ...(fairPlay ? { keyFormat: FAIRPLAY_KEYFORMAT, keyFormatVersions: '1' } : {}),
    });
    out.media.push(l.media);
    out.master.push(l.master);
    if (fairPlay) seen.add(SYSTEM_IDS.fairplay);
  }
  if (input.scheme === 'aes-128' && input.keyUri !== undefined) return out;
  input.drm.forEach((d, i) => {
    const systemId = d.systemId.toLowerCase();
    // AES-128 takes the key server's AES-128 key system only; SAMPLE-AES* every DRM system but it.
    if ((input.scheme === 'aes-128') !== isHlsAes128SystemId(systemId)) return;
    if (seen.has(systemId)) return;
    seen.add(systemId);
    // Only well-formed key tags of the right kind: a key server cannot add other playlist lines.
    const where = `HLSSignalingData of DRM system ${systemId} (signal ${i})`;
    const media = splitLines(d.hlsSignalingDataMedia).map((l, j) => withIv(checkedKeyLine(l, '#EXT-X-KEY', method, `${where}, media line ${j}`), ivHex));
    const master = splitLines(d.hlsSignalingDataMaster).map((l, j) => withIv(checkedKeyLine(l, '#EXT-X-SESSION-KEY', method, `${where}, master line ${j}`), ivHex));
    if (media.length > 0 || master.length > 0) {
      out.media.push(...media);
      out.master.push(...master);
      return;
    }
    const built = systemKeyLine(systemId, d, { method, kidHex, ...(ivHex ? { ivHex } : {}) }, `DRM system ${systemId} (signal ${i})`);
    if (built) { out.media.push(built.media); out.master.push(built.master); }
  });
  return out;
}

/**
 * A key server's EXT-X-KEY line is used as returned, but it cannot know the IV we encrypted with:
 * when we used an explicit IV and the line names none, the IV is appended (else players would
 * use the media sequence number).
 */
function withIv(line: string, ivHex: string | undefined): string {
  if (!ivHex || !/^#EXT-X-(SESSION-)?KEY:/.test(line) || /[:,]IV=/i.test(line)) return line;
  return `${line},IV=0x${ivHex}`;
}

function splitLines(s: string | undefined): string[] {
  return s ? s.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0) : [];
}

function systemKeyLine(systemId: string, d: DrmSignal, base: { method: ReturnType<typeof hlsMethod>; kidHex: string; ivHex?: string }, where: string): { media: string; master: string } | undefined {
  // URIExtXKey, KEYFORMAT and KEYFORMATVERSIONS come from the key server: escaped or refused.
  const keyFormat0 = checkedQuotedValue(d.keyFormat, 'KeyFormat', where);
  const versions = checkedQuotedValue(d.keyFormatVersions, 'KeyFormatVersions', where);
  const fmt = (uri: string, keyFormat: string) => hlsKeyLines({
    method: base.method, uri: quotableUri(uri), kidHex: base.kidHex, ...(base.ivHex ? { ivHex: base.ivHex } : {}),
    keyFormat: keyFormat0 ?? keyFormat, keyFormatVersions: versions ?? '1',
  });
  if (isHlsAes128SystemId(systemId)) {
    return d.uriExtXKey ? hlsKeyLines({ method: base.method, uri: quotableUri(d.uriExtXKey), ...(base.ivHex ? { ivHex: base.ivHex } : {}), keyFormat: keyFormat0 ?? 'identity', keyFormatVersions: versions ?? '1' }) : undefined;
  }
  switch (systemId) {
    case SYSTEM_IDS.fairplay:
      return fmt(d.uriExtXKey ?? fairPlaySkdUri(d.kid), FAIRPLAY_KEYFORMAT);
    case SYSTEM_IDS.widevine:
      if (!d.uriExtXKey && !d.pssh) return undefined;
      return fmt(d.uriExtXKey ?? `data:text/plain;base64,${d.pssh!.toString('base64')}`, `urn:uuid:${SYSTEM_IDS.widevine}`);
    case SYSTEM_IDS.playready:
      if (!d.uriExtXKey && !d.pssh) return undefined;
      return fmt(d.uriExtXKey ?? `data:text/plain;charset=UTF-16;base64,${psshData(d.pssh!, where).toString('base64')}`, 'com.microsoft.playready');
    default:
      // Other systems (W3C common, ClearKey) only when the key server said how.
      return d.uriExtXKey ? fmt(d.uriExtXKey, d.keyFormat ?? `urn:uuid:${systemId}`) : undefined;
  }
}
