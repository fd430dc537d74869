/**
 * What the SPEKE client puts on the wire, element by element, against the example requests in
 * AWS's SPEKE documentation (not against our own server's parser, which shares our reading of it):
 *   v1 (docs.aws.amazon.com/speke/latest/documentation/vod-workflow-methods.html): no version
 *     header; <cpix:CPIX id=content-id> in the cpix, pskc and speke (urn:aws:amazon:com:speke)
 *     namespaces; one <cpix:ContentKey kid>; one <cpix:DRMSystem kid systemId> per DRM system,
 *     empty, with what it asks for: HLS systems (FairPlay 94ce86fb-..., HLS AES-128 81376844-...)
 *     <cpix:URIExtXKey>, <speke:KeyFormat>, <speke:KeyFormatVersions>; DASH systems <cpix:PSSH>,
 *     PlayReady also <speke:ProtectionHeader>;
 *   v2 (vod-workflow-method-v2.html, encryption-contract-v2.html): header X-Speke-Version: 2.0;
 *     <cpix:CPIX contentId version="2.3">; one <cpix:ContentKey kid commonEncryptionScheme> per
 *     key; per key and system an empty <cpix:DRMSystem> asking for <cpix:PSSH>,
 *     <cpix:ContentProtectionData> and <cpix:HLSSignalingData playlist="media"/"master">; the
 *     encryption contract as one <cpix:ContentKeyUsageRule kid intendedTrackType> per key with a
 *     <cpix:VideoFilter> or <cpix:AudioFilter>.
 * Read with fast-xml-parser directly (namespace prefixes kept), not with segcrypt's CPIX reader.
 */
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';

const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
const PLAYREADY = '9a04f079-9840-4286-ab92-e65be0885f95';
const FAIRPLAY = '94ce86fb-07ff-4f43-adb8-93d2fa968ca2';
const HLS_AES128 = '81376844-f976-481e-a84e-cc25d39b0b33';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Captured { headers: http.IncomingHttpHeaders; body: string }

async function capture(version: 1 | 2, request: Parameters<SpekeClient['getKeys']>[0]): Promise<Captured> {
  let seen: Captured | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen = { headers: req.headers, body: body.toString('utf8') };
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(answerSpekeRequest(body, { version, secret: Buffer.from('aws-docs'), baseUrl: 'http://x' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await new SpekeClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/speke`, version }).getKeys(request);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  if (!seen) throw new Error('no request reached the capture server');
  return seen;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', allowBooleanAttributes: true, processEntities: false,
  isArray: (name) => ['cpix:ContentKey', 'cpix:DRMSystem', 'cpix:ContentKeyUsageRule', 'cpix:HLSSignalingData'].includes(name) });
const root = (c: Captured): Node => (parser.parse(c.body) as Node)['cpix:CPIX'] as Node;
const list = (n: Node | undefined, name: string): Node[] => (n?.[name] as Node[] | undefined) ?? [];
/** Child element names of a node (attributes and text left out). */
const children = (n: Node): string[] => Object.keys(n).filter((k) => !k.startsWith('@') && k !== '#text').sort();
/** An element the encryptor leaves empty for the key server to fill: no text, no children. */
const empty = (v: unknown): boolean => v === '' || (typeof v === 'object' && v !== null && children(v as Node).length === 0 && !('#text' in (v as Node)));

t.test('v1 request (CPIX 2.0 + SPEKE extensions) as in AWS\'s SPEKE v1 examples', async (t) => {
  const c = await capture(1, { contentId: 'abc123', trackTypes: ['video'], scheme: 'cbcs', drmSystems: ['widevine', 'playready', 'fairplay'] });
  t.match(c.headers['content-type'], /^application\/xml/, 'Content-Type application/xml');
  t.equal(c.headers['x-speke-version'], undefined, 'v1 sends no X-Speke-Version');
  const cpix = root(c);
  t.equal(cpix['@id'], 'abc123', 'CPIX@id is the content id');
  t.same([cpix['@xmlns:cpix'], cpix['@xmlns:pskc'], cpix['@xmlns:speke']], ['urn:dashif:org:cpix', 'urn:ietf:params:xml:ns:keyprov:pskc', 'urn:aws:amazon:com:speke'], 'the three namespaces of the examples');
  const keys = list(cpix['cpix:ContentKeyList'] as Node, 'cpix:ContentKey');
  t.equal(keys.length, 1, 'v1: exactly one ContentKey');
  const kid = keys[0]?.['@kid'] as string;
  t.match(kid, UUID, 'ContentKey@kid is a UUID');
  t.same(children(keys[0]!), [], 'the ContentKey carries no key data in a request');
  const systems = list(cpix['cpix:DRMSystemList'] as Node, 'cpix:DRMSystem');
  t.same(systems.map((s) => s['@systemId']).sort(), [WIDEVINE, PLAYREADY, FAIRPLAY].sort(), 'one DRMSystem per requested system');
  const want: Record<string, string[]> = {
    [WIDEVINE]: ['cpix:PSSH'],
    [PLAYREADY]: ['cpix:PSSH', 'speke:ProtectionHeader'],
    [FAIRPLAY]: ['cpix:URIExtXKey', 'speke:KeyFormat', 'speke:KeyFormatVersions'],
  };
  for (const s of systems) {
    const id = s['@systemId'] as string;
    t.equal(s['@kid'], kid, `${id}: DRMSystem@kid is the ContentKey's`);
    for (const el of want[id]!) t.ok(el in s && empty(s[el]), `${id}: asks for ${el} (present, empty)`);
  }

  const aes = root(await capture(1, { contentId: 'abc124', trackTypes: ['video'], scheme: 'aes-128' }));
  const aesSystems = list(aes['cpix:DRMSystemList'] as Node, 'cpix:DRMSystem');
  t.same(aesSystems.map((s) => s['@systemId']), [HLS_AES128], 'HLS AES-128: the systemId of the AWS example (81376844-...)');
  t.same(children(aesSystems[0]!), ['cpix:URIExtXKey', 'speke:KeyFormat', 'speke:KeyFormatVersions'], 'asking for URIExtXKey, KeyFormat, KeyFormatVersions');
});

t.test('v2 request (CPIX 2.3) as in AWS\'s SPEKE v2 VOD example: keys, DRM systems, encryption contract', async (t) => {
  const c = await capture(2, { contentId: 'abc123', trackTypes: ['video', 'audio'], scheme: 'cenc', drmSystems: ['widevine', 'playready'] });
  t.match(c.headers['content-type'], /^application\/xml/);
  t.equal(c.headers['x-speke-version'], '2.0', 'X-Speke-Version: 2.0');
  const cpix = root(c);
  t.same([cpix['@contentId'], cpix['@version']], ['abc123', '2.3'], 'CPIX@contentId and @version="2.3"');
  t.equal(cpix['@xmlns:cpix'], 'urn:dashif:org:cpix');
  const keys = list(cpix['cpix:ContentKeyList'] as Node, 'cpix:ContentKey');
  t.equal(keys.length, 2, 'one key for video, one for audio');
  const kids = keys.map((k) => k['@kid'] as string);
  t.ok(kids.every((k) => UUID.test(k)) && new Set(kids).size === 2, 'two distinct UUID KIDs');
  t.same(keys.map((k) => k['@commonEncryptionScheme']), ['cenc', 'cenc'], 'ContentKey@commonEncryptionScheme');
  t.ok(keys.every((k) => children(k).length === 0), 'no key data in a request');

  const systems = list(cpix['cpix:DRMSystemList'] as Node, 'cpix:DRMSystem');
  t.same(systems.map((s) => `${s['@kid']}/${s['@systemId']}`).sort(), kids.flatMap((k) => [`${k}/${WIDEVINE}`, `${k}/${PLAYREADY}`]).sort(), 'one DRMSystem per key and system');
  for (const s of systems) {
    const at = `${(s['@kid'] as string).slice(0, 8)} ${s['@systemId'] === WIDEVINE ? 'Widevine' : 'PlayReady'}`;
    for (const el of ['cpix:PSSH', 'cpix:ContentProtectionData']) t.ok(el in s && empty(s[el]), `${at}: asks for ${el}`);
    t.same(list(s, 'cpix:HLSSignalingData').map((h) => h['@playlist']).sort(), ['master', 'media'], `${at}: asks for HLSSignalingData for the media and the master playlist`);
  }

  const rules = list(cpix['cpix:ContentKeyUsageRuleList'] as Node, 'cpix:ContentKeyUsageRule');
  t.same(rules.map((r) => r['@kid']).sort(), [...kids].sort(), 'one usage rule per key');
  const byType = Object.fromEntries(rules.map((r) => [r['@intendedTrackType'] as string, r]));
  t.same(Object.keys(byType).sort(), ['AUDIO', 'VIDEO'], 'intendedTrackType VIDEO and AUDIO');
  t.ok('cpix:VideoFilter' in byType.VIDEO! && !('cpix:AudioFilter' in byType.VIDEO!), 'the VIDEO rule has a VideoFilter');
  t.ok('cpix:AudioFilter' in byType.AUDIO! && !('cpix:VideoFilter' in byType.AUDIO!), 'the AUDIO rule has an AudioFilter');
});
