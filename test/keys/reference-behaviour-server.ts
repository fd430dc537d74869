import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * A loopback stand-in for how AWS's SPEKE reference key server (awslabs/speke-reference-server,
 * src/) answers, written from reading what it does, not from its code:
 * - it takes the request document and fills it in place: every ContentKey gets
 *   Data/Secret/PlainValue, each DRMSystem's elements get the system's values; elements it has
 *   no value for stay as they came (empty);
 * - v1 reads CPIX@id, v2 (X-Speke-Version: 2.0) CPIX@contentId and answers X-Speke-Version 2.0;
 * - Widevine and PlayReady signaling are fixed blobs configured at deployment, not built for the
 *   KIDs asked; when PlayReady is among the systems, EVERY content key of the answer is one fixed
 *   PlayReady key;
 * - HLS AES-128 (v1: 81376844-..., v2: ClearKey 3ea8778f-...) points at a key URL
 *   <prefix>/<contentId>/<kid>, with an empty KEYFORMAT; FairPlay in v1 also sets
 *   ContentKey@explicitIV (to the key bytes) when the request had none;
 * - an unknown system id is a 500 with the exception text.
 * The key URL is served here too (the reference server puts keys behind a CDN).
 */

export const FIXED_PLAYREADY_KEY = Buffer.from('5072656164794669786564214b657921', 'hex');
const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
const PLAYREADY = '9a04f079-9840-4286-ab92-e65be0885f95';
const FAIRPLAY = '94ce86fb-07ff-4f43-adb8-93d2fa968ca2';
const COMMON = '1077efec-c0b2-4d02-ace3-3c1e52e2fb4b';
const AES128_V1 = '81376844-f976-481e-a84e-cc25d39b0b33';
const AES128_V2 = '3ea8778f-7742-4bf9-b18b-e834b2acbd47';

/** A pssh box by hand (ISO/IEC 23001-7 8.1), version 0 unless KIDs are given. */
export function handPssh(systemId: string, data: Buffer, kids: Buffer[] = []): Buffer {
  const head = Buffer.alloc(12);
  const body: Buffer[] = [Buffer.from(systemId.replace(/-/g, ''), 'hex')];
  if (kids.length > 0) { const n = Buffer.alloc(4); n.writeUInt32BE(kids.length); body.push(n, ...kids); }
  const ds = Buffer.alloc(4); ds.writeUInt32BE(data.length); body.push(ds, data);
  const box = Buffer.concat([head, ...body]);
  box.writeUInt32BE(box.length, 0); box.write('pssh', 4, 'latin1'); box.writeUInt32BE(kids.length > 0 ? 0x01000000 : 0, 8);
  return box;
}

/** Deployment-time blobs: a Widevine box about some other KID, a PlayReady box with a canned header. */
export const FIXED_WIDEVINE_PSSH = handPssh(WIDEVINE, Buffer.concat([Buffer.from([0x12, 0x10]), Buffer.from('0123456789012345')]));
export const FIXED_PLAYREADY_PSSH = handPssh(PLAYREADY, Buffer.from('canned PlayReady object', 'utf16le'));

const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

type XNode = Record<string, unknown>;
const ATTRS = ':@';

export interface ReferenceBehaviourServer {
  url: string;
  keyUrlPrefix: string;
  /** The key the server holds for (content id, KID as sent). */
  keyFor(contentId: string, kid: string): Buffer;
  requests: { version: 1 | 2; body: string }[];
  close(): Promise<void>;
}

export async function startReferenceBehaviourServer(secret = 'reference-fixture'): Promise<ReferenceBehaviourServer> {
  const keyFor = (contentId: string, kid: string): Buffer => createHmac('sha256', secret).update(`${contentId}\u0000${kid.toLowerCase()}`).digest().subarray(0, 16);
  const requests: { version: 1 | 2; body: string }[] = [];
  let keyUrlPrefix = '';
  const opts = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', processEntities: false, parseTagValue: false, trimValues: false, suppressEmptyNode: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'GET' && path.startsWith('/keys/')) {
        const [, , contentId, kid] = path.split('/');
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(keyFor(decodeURIComponent(contentId!), decodeURIComponent(kid!)));
        return;
      }
      const version = req.headers['x-speke-version'] === '2.0' ? 2 : 1;
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ version, body });
      try {
        const xml = fill(body, version);
        res.writeHead(200, version === 2
          ? { 'content-type': 'application/xml', 'x-speke-user-agent': 'reference-behaviour fixture', 'x-speke-version': '2.0' }
          : { 'content-type': 'application/xml', 'speke-user-agent': 'reference-behaviour fixture' });
        res.end(xml);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((e as Error).message));
      }
    });
  });

  function fill(body: string, version: 1 | 2): string {
    const doc = new XMLParser(opts).parse(body) as XNode[];
    const root = doc.find((n) => localName(n) === 'CPIX')!;
    const contentId = attr(root, version === 2 ? 'contentId' : 'id') ?? '';
    const kids = children(root, 'ContentKeyList').flatMap((l) => children(l, 'ContentKey'));
    let playReady = false;
    const ivFor = new Set<string>();
    for (const d of children(root, 'DRMSystemList').flatMap((l) => children(l, 'DRMSystem'))) {
      const kid = attr(d, 'kid')!;
      const id = attr(d, 'systemId')!.toLowerCase();
      const url = `${keyUrlPrefix}/${contentId}/${kid}`;
      const set = (name: string, value: string, playlist?: string): void => {
        for (const c of children(d, name)) if (!playlist || attr(c, 'playlist') === playlist) setText(c, value);
      };
      if (version === 1) {
        if (id === AES128_V1) { set('URIExtXKey', b64(url)); set('KeyFormat', b64('')); set('KeyFormatVersions', b64('1')); }
        else if (id === FAIRPLAY) { set('URIExtXKey', b64(url)); set('KeyFormat', b64('com.apple.streamingkeydelivery')); set('KeyFormatVersions', b64('1')); ivFor.add(kid); }
        else if (id === COMMON) {
          const box = handPssh(COMMON, Buffer.alloc(0), [Buffer.from(kid.replace(/-/g, ''), 'hex')]);
          set('PSSH', b64(box)); set('ContentProtectionData', b64(`<pssh xmlns="urn:mpeg:cenc:2013">${b64(box)}</pssh>`));
        } else if (id === WIDEVINE) set('PSSH', b64(FIXED_WIDEVINE_PSSH));
        else if (id === PLAYREADY) { set('ProtectionHeader', b64('canned PlayReady header')); set('PSSH', b64(FIXED_PLAYREADY_PSSH)); playReady = true; }
        else throw new Error(`Invalid system ID ${id}`);
      } else if (id === WIDEVINE || id === PLAYREADY) {
        const box = id === WIDEVINE ? FIXED_WIDEVINE_PSSH : FIXED_PLAYREADY_PSSH;
        set('PSSH', b64(box));
        set('ContentProtectionData', b64(`<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${b64(box)}</cenc:pssh>`));
        const fmt = id === WIDEVINE ? `urn:uuid:${WIDEVINE}` : 'com.microsoft.playready';
        set('HLSSignalingData', b64(`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${b64(box)}",KEYFORMAT="${fmt}",KEYFORMATVERSIONS="1"`), 'media');
        set('HLSSignalingData', b64(`#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${b64(box)}",KEYFORMAT="${fmt}",KEYFORMATVERSIONS="1"`), 'master');
        if (id === PLAYREADY) playReady = true;
      } else if (id === FAIRPLAY) {
        set('HLSSignalingData', b64('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://canned",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"'), 'media');
        set('HLSSignalingData', b64('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://canned",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"'), 'master');
      } else if (id === AES128_V2) {
        set('HLSSignalingData', b64(`#EXT-X-KEY:METHOD=AES-128,URI="${url}",KEYFORMAT="",KEYFORMATVERSIONS="1"`), 'media');
        set('HLSSignalingData', b64(`#EXT-X-SESSION-KEY:METHOD=AES-128,URI="${url}",KEYFORMAT="",KEYFORMATVERSIONS="1"`), 'master');
      } else throw new Error(`Invalid system ID ${id}`);
    }
    for (const k of kids) {
      const kid = attr(k, 'kid')!;
      const key = playReady ? FIXED_PLAYREADY_KEY : keyFor(contentId, kid);
      if (ivFor.has(kid) && attr(k, 'explicitIV') === undefined) (k[ATTRS] as Record<string, string>).explicitIV = b64(key);
      const prefix = prefixOf(k);
      const pskc = prefixOf(root, 'urn:ietf:params:xml:ns:keyprov:pskc') ?? 'pskc';
      (k[tagOf(k)] as XNode[]).push({ [`${prefix}Data`]: [{ [`${pskc}:Secret`]: [{ [`${pskc}:PlainValue`]: [{ '#text': b64(key) }] }] }] });
    }
    if (!prefixOf(root, 'urn:ietf:params:xml:ns:keyprov:pskc')) (root[ATTRS] as Record<string, string>)['xmlns:pskc'] = 'urn:ietf:params:xml:ns:keyprov:pskc';
    return new XMLBuilder(opts).build(doc) as string;
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  keyUrlPrefix = `http://127.0.0.1:${port}/keys`;
  return {
    url: `http://127.0.0.1:${port}/copyProtection`,
    keyUrlPrefix,
    keyFor,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function tagOf(n: XNode): string {
  return Object.keys(n).find((k) => k !== ATTRS)!;
}

function localName(n: XNode): string {
  return tagOf(n).replace(/^.*:/, '');
}

function prefixOf(n: XNode, ns?: string): string | undefined {
  if (ns === undefined) { const t = tagOf(n); return t.includes(':') ? `${t.slice(0, t.indexOf(':'))}:` : ''; }
  const a = (n[ATTRS] ?? {}) as Record<string, string>;
  const hit = Object.entries(a).find(([k, v]) => k.startsWith('xmlns:') && v === ns);
  return hit?.[0].slice(6);
}

function attr(n: XNode, name: string): string | undefined {
  return ((n[ATTRS] ?? {}) as Record<string, string>)[name];
}

function children(n: XNode, name: string): XNode[] {
  const list = n[tagOf(n)];
  return Array.isArray(list) ? (list as XNode[]).filter((c) => !('#text' in c) && localName(c) === name) : [];
}

function setText(n: XNode, value: string): void {
  n[tagOf(n)] = [{ '#text': value }];
}
