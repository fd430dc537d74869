import t from 'tap';
import { hkdfSync, randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { startKeyServer, type KeyServer } from '../../src/key-server/http-server.js';

// The built-in key server against SPEKE v2 encryption contracts, written from the AWS pages
// ("SPEKE v2.0 presets", "SPEKE API v2 - Encryption contract") and the bounds AWS's SPEKE v2
// verification suite sends. Requests are hand-written XML; answers are read with a plain XML
// parser and the keys recomputed with node:crypto from the server's documented derivation.

const SECRET = '7f3c91a04be2d65813c0fa9e27d45b6c0e8a1f3d925b47c6e01d8a3f5b29c7e4';
const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
const PLAYREADY = '9a04f079-9840-4286-ab92-e65be0885f95';
const FAIRPLAY = '94ce86fb-07ff-4f43-adb8-93d2fa968ca2';
const IRDETO = '80a6be7e-1448-4c37-9e70-d5aebe04c8d2';
const CLEARKEY_AES128_V2 = '3ea8778f-7742-4bf9-b18b-e834b2acbd47';
const HLS_AES128_V1 = '81376844-f976-481e-a84e-cc25d39b0b33';

type Bounds = Record<string, number>;
interface Rule { type: string; video?: Bounds[]; audio?: Bounds[]; periods?: string[]; kid?: string }

// The preset tables in this test's own words: key name -> filter attributes.
const sd = { maxPixels: 589824 }; // <= 1024x576
const hdUp = { minPixels: 589825 };
const hd = { minPixels: 589825, maxPixels: 2073600 }; // <= 1920x1080
const hd1 = { minPixels: 589825, maxPixels: 921600 }; // <= 1280x720
const hd2 = { minPixels: 921601, maxPixels: 2073600 };
const sdHd1 = { maxPixels: 921600 };
const uhd = { minPixels: 2073601 };
const uhd1 = { minPixels: 2073601, maxPixels: 8847360 }; // <= 4096x2160
const uhd2 = { minPixels: 8847361 };
const VIDEO: Record<string, Rule[]> = {
  'PRESET-VIDEO-1': [{ type: 'VIDEO', video: [{}] }],
  'PRESET-VIDEO-2': [{ type: 'SD', video: [sd] }, { type: 'HD', video: [hdUp] }],
  'PRESET-VIDEO-3': [{ type: 'SD', video: [sd] }, { type: 'HD', video: [hd] }, { type: 'UHD', video: [uhd] }],
  'PRESET-VIDEO-4': [{ type: 'SD', video: [sd] }, { type: 'HD', video: [hd] }, { type: 'UHD1', video: [uhd1] }, { type: 'UHD2', video: [uhd2] }],
  'PRESET-VIDEO-5': [{ type: 'SD', video: [sd] }, { type: 'HD1', video: [hd1] }, { type: 'HD2', video: [hd2] }, { type: 'UHD1', video: [uhd1] }, { type: 'UHD2', video: [uhd2] }],
  'PRESET-VIDEO-6': [{ type: 'SD', video: [sd] }, { type: 'HD1', video: [hd1] }, { type: 'HD2', video: [hd2] }, { type: 'UHD', video: [uhd] }],
  'PRESET-VIDEO-7': [{ type: 'SD+HD1', video: [sdHd1] }, { type: 'HD2', video: [hd2] }, { type: 'UHD', video: [uhd] }],
  'PRESET-VIDEO-8': [{ type: 'SD+HD1', video: [sdHd1] }, { type: 'HD2', video: [hd2] }, { type: 'UHD1', video: [uhd1] }, { type: 'UHD2', video: [uhd2] }],
  UNENCRYPTED: [],
};
const AUDIO: Record<string, Rule[]> = {
  'PRESET-AUDIO-1': [{ type: 'AUDIO', audio: [{}] }],
  'PRESET-AUDIO-2': [{ type: 'STEREO_AUDIO', audio: [{ maxChannels: 2 }] }, { type: 'MULTICHANNEL_AUDIO', audio: [{ minChannels: 3 }] }],
  'PRESET-AUDIO-3': [{ type: 'STEREO_AUDIO', audio: [{ maxChannels: 2 }] }, { type: 'MULTICHANNEL_AUDIO_3_6', audio: [{ minChannels: 3, maxChannels: 6 }] },
    { type: 'MULTICHANNEL_AUDIO_7', audio: [{ minChannels: 7 }] }],
  UNENCRYPTED: [],
};
const SHARED: Rule[] = [{ type: 'ALL', video: [{}], audio: [{}] }];

interface RequestSpec {
  contentId?: string;
  rules: Rule[];
  scheme?: string;
  systems?: string[];
  periods?: { id: string; index?: number }[];
  /** Drop these parts of the document. */
  omit?: ('drmSystemList' | 'kid')[];
  /** Keys with no usage rule. */
  extraKids?: string[];
}

const attrs = (o: Record<string, number | string>): string => Object.entries(o).map(([k, v]) => ` ${k}="${v}"`).join('');

function requestXml(spec: RequestSpec): { xml: string; kids: string[] } {
  const kids = spec.rules.map((r) => r.kid ?? randomUUID());
  const allKids = [...new Set([...kids, ...(spec.extraKids ?? [])])];
  const scheme = spec.scheme ?? 'cenc';
  const keys = allKids.map((k) => `<cpix:ContentKey${spec.omit?.includes('kid') ? '' : ` kid="${k}"`} commonEncryptionScheme="${scheme}"/>`).join('');
  const systems = (spec.systems ?? [WIDEVINE]).flatMap((id) => allKids.map((k) => `<cpix:DRMSystem kid="${k}" systemId="${id}">`
    + `${id === FAIRPLAY || id === CLEARKEY_AES128_V2 || id === HLS_AES128_V1 ? '' : '<cpix:PSSH/><cpix:ContentProtectionData/>'}`
    + '<cpix:HLSSignalingData playlist="media"/><cpix:HLSSignalingData playlist="master"/></cpix:DRMSystem>')).join('');
  const periods = spec.periods ? `<cpix:ContentKeyPeriodList>${spec.periods.map((p) => `<cpix:ContentKeyPeriod${attrs(p.index === undefined ? { id: p.id } : { id: p.id, index: p.index })}/>`).join('')}</cpix:ContentKeyPeriodList>` : '';
  const rules = spec.rules.map((r, i) => `<cpix:ContentKeyUsageRule kid="${kids[i]}"${r.type ? ` intendedTrackType="${r.type}"` : ''}>`
    + (r.periods ?? []).map((p) => `<cpix:KeyPeriodFilter periodId="${p}"/>`).join('')
    + (r.video ?? []).map((f) => `<cpix:VideoFilter${attrs(f)}/>`).join('')
    + (r.audio ?? []).map((f) => `<cpix:AudioFilter${attrs(f)}/>`).join('')
    + '</cpix:ContentKeyUsageRule>').join('');
  const xml = `<?xml version="1.0" encoding="UTF-8"?><cpix:CPIX contentId="${spec.contentId ?? 'contract-title'}" version="2.3" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc">`
    + `<cpix:ContentKeyList>${keys}</cpix:ContentKeyList>`
    + (spec.omit?.includes('drmSystemList') ? '' : `<cpix:DRMSystemList>${systems}</cpix:DRMSystemList>`)
    + periods
    + (rules ? `<cpix:ContentKeyUsageRuleList>${rules}</cpix:ContentKeyUsageRuleList>` : '')
    + '</cpix:CPIX>';
  return { xml, kids };
}

async function post(server: KeyServer, xml: string, version = '2.0'): Promise<{ status: number; text: string }> {
  const r = await fetch(server.url, { method: 'POST', body: xml, headers: { 'content-type': 'application/xml', 'x-speke-version': version } });
  return { status: r.status, text: await r.text() };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, parseAttributeValue: false, isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;
const cpixOf = (text: string): Node => parser.parse(text).CPIX[0];

/**
 * HKDF-SHA256 (RFC 5869) of the secret's bytes, no salt, info = label || u32be(content id length) ||
 * content id || KID, 16 bytes: the server's documented derivation.
 */
function expectedKey(contentId: string, kidUuid: string): Buffer {
  const kid = Buffer.from(kidUuid.replace(/-/g, ''), 'hex');
  const id = Buffer.from(contentId, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(id.length);
  return Buffer.from(hkdfSync('sha256', Buffer.from(SECRET, 'hex'), Buffer.alloc(0), Buffer.concat([Buffer.from('segcrypt content key v2\u0000'), len, id, kid]), 16));
}

/** The rules of an answer, as plain data: type -> { video, audio } filter attribute lists, numbers as strings. */
function rulesOf(cpix: Node): Map<string, { kid: string; video: Bounds[]; audio: Bounds[]; periods: string[] }> {
  const out = new Map();
  for (const r of cpix.ContentKeyUsageRuleList?.[0]?.ContentKeyUsageRule ?? []) {
    const nums = (fs: Node[] | undefined): Bounds[] => (fs ?? []).map((f: Node) => Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, Number(v)])));
    out.set(r.intendedTrackType, { kid: r.kid, video: nums(r.VideoFilter), audio: nums(r.AudioFilter), periods: (r.KeyPeriodFilter ?? []).map((p: Node) => p.periodId) });
  }
  return out;
}

let server: KeyServer;
t.before(async () => { server = await startKeyServer({ secret: SECRET }); });
t.teardown(() => server.close());

t.test('every preset pair is answered: one key per rule, the rules and filters echoed', async (t) => {
  const pairs: [string, string, Rule[]][] = [['SHARED', 'SHARED', SHARED]];
  for (const v of Object.keys(VIDEO)) for (const a of Object.keys(AUDIO)) if (v !== 'UNENCRYPTED' || a !== 'UNENCRYPTED') pairs.push([v, a, [...VIDEO[v]!, ...AUDIO[a]!]]);
  t.equal(pairs.length, 1 + 9 * 4 - 1, '8 video presets + UNENCRYPTED, 3 audio + UNENCRYPTED, not both UNENCRYPTED, and SHARED');
  for (const [v, a, rules] of pairs) {
    const contentId = `title-${v}-${a}`;
    const { xml, kids } = requestXml({ contentId, rules, systems: [WIDEVINE, PLAYREADY] });
    const res = await post(server, xml);
    if (res.status !== 200) { t.fail(`${v} + ${a}: HTTP ${res.status} ${res.text}`); continue; }
    const cpix = cpixOf(res.text);
    const keys: Node[] = cpix.ContentKeyList[0].ContentKey;
    t.same(keys.map((k) => k.kid), kids, `${v} + ${a}: the requested KIDs, in order`);
    t.ok(keys.every((k) => Buffer.from(k.Data[0].Secret[0].PlainValue[0], 'base64').equals(expectedKey(contentId, k.kid))), `${v} + ${a}: each key is the one derived for its KID`);
    t.equal(new Set(keys.map((k) => k.Data[0].Secret[0].PlainValue[0])).size, keys.length, `${v} + ${a}: ${keys.length} distinct keys`);
    const echoed = rulesOf(cpix);
    t.same([...echoed.keys()], rules.map((r) => r.type), `${v} + ${a}: intendedTrackType of every rule echoed`);
    rules.forEach((r, i) => t.same(echoed.get(r.type), { kid: kids[i], video: r.video ?? [], audio: r.audio ?? [], periods: [] }, `${v} + ${a}: ${r.type} filters echoed`));
    const systems: Node[] = cpix.DRMSystemList[0].DRMSystem;
    t.equal(systems.length, 2 * kids.length, `${v} + ${a}: Widevine and PlayReady for each key`);
    for (const d of systems) {
      const pssh = Buffer.from(d.PSSH[0], 'base64');
      t.equal(pssh.toString('latin1', 4, 8), 'pssh');
      t.ok(pssh.includes(Buffer.from(d.kid.replace(/-/g, ''), 'hex')), `${v} + ${a}: ${d.systemId} pssh names its KID`);
    }
  }
});

t.test('malformed contracts and requests get a 422 naming what is wrong', async (t) => {
  const kid = randomUUID();
  const v1a1 = [...VIDEO['PRESET-VIDEO-1']!, ...AUDIO['PRESET-AUDIO-1']!];
  const cases: [string, RequestSpec, string | RegExp][] = [
    ['DRMSystemList removed', { rules: v1a1, omit: ['drmSystemList'] }, 'Missing DRMSystemList/DRMSystem'],
    ['ContentKey@kid removed', { rules: v1a1, omit: ['kid'] }, 'Missing ContentKey@kid (ContentKey[0])'],
    ['no usage rules', { rules: [], extraKids: [kid] }, 'Missing ContentKeyUsageRuleList/ContentKeyUsageRule (the SPEKE v2 encryption contract)'],
    ['a key without a rule', { rules: v1a1, extraKids: [kid] }, `Missing ContentKeyUsageRule for KID ${kid}`],
    ['a rule without intendedTrackType', { rules: [{ type: '', video: [{}], kid }] }, `Missing ContentKeyUsageRule@intendedTrackType for KID ${kid}`],
    ['an unknown intendedTrackType', { rules: [{ type: 'HDR', video: [{}], kid }] }, `Unsupported ContentKeyUsageRule@intendedTrackType HDR for KID ${kid}`],
    ['ALL with other rules (SHARED audio, PRESET-VIDEO-2)', { rules: [{ type: 'SD', video: [sd] }, { type: 'HD', video: [hdUp] }, ...SHARED] },
      'Non compliant ContentKeyUsageRule@intendedTrackType combination: ALL (the SHARED preset) cannot be combined with SD, HD'],
    ['ALL with a bounded filter', { rules: [{ type: 'ALL', video: [sd], audio: [{}], kid }] },
      `ContentKeyUsageRule kid ${kid} intendedTrackType ALL: ALL takes exactly one VideoFilter and one AudioFilter, both without attributes`],
    ['a video key with an AudioFilter', { rules: [{ type: 'VIDEO', video: [{}], audio: [{}], kid }, ...AUDIO['PRESET-AUDIO-1']!] },
      `ContentKeyUsageRule kid ${kid} intendedTrackType VIDEO: a video key takes no AudioFilter`],
    ['both filters removed', { rules: [{ type: 'VIDEO', kid }] }, `ContentKeyUsageRule kid ${kid} intendedTrackType VIDEO: Missing VideoFilter`],
    ['minPixels above maxPixels', { rules: [{ type: 'VIDEO', video: [{ minPixels: 10, maxPixels: 9 }], kid }] },
      `ContentKeyUsageRule kid ${kid} intendedTrackType VIDEO: VideoFilter minPixels/maxPixels out of order`],
    ['SD and UHD without HD: no preset', { rules: [{ type: 'SD', video: [sd] }, { type: 'UHD', video: [uhd] }] },
      'Non compliant ContentKeyUsageRule@intendedTrackType combination: SD, UHD is not the key set of a SPEKE v2.0 video preset'],
    ['STEREO_AUDIO alone: no preset', { rules: [{ type: 'VIDEO', video: [{}] }, { type: 'STEREO_AUDIO', audio: [{ maxChannels: 2 }] }] },
      'Non compliant ContentKeyUsageRule@intendedTrackType combination: STEREO_AUDIO is not the key set of a SPEKE v2.0 audio preset'],
    ['one intendedTrackType twice', { rules: [{ type: 'VIDEO', video: [{}] }, { type: 'VIDEO', video: [{}] }] }, 'Duplicate ContentKeyUsageRule@intendedTrackType VIDEO'],
    ['a KeyPeriodFilter naming no period', { rules: [{ type: 'VIDEO', video: [{}], periods: ['p9'], kid }], periods: [{ id: 'p1', index: 1 }] },
      `ContentKeyUsageRule kid ${kid}: KeyPeriodFilter@periodId p9 is not in ContentKeyPeriodList`],
    ['a period without index', { rules: [{ type: 'VIDEO', video: [{}], periods: ['p1'] }], periods: [{ id: 'p1' }] }, 'Missing ContentKeyPeriod@index for period p1'],
    ['FairPlay with cenc', { rules: v1a1, systems: [FAIRPLAY] }, `ContentKey@commonEncryptionScheme non compatible with DRMSystem ${FAIRPLAY}`],
    ['Irdeto with cbcs', { rules: v1a1, systems: [IRDETO], scheme: 'cbcs' }, `ContentKey@commonEncryptionScheme non compatible with DRMSystem ${IRDETO}`],
    ['an unknown DRM system', { rules: v1a1, systems: ['00000000-1111-2222-3333-444444444444'] }, 'Unsupported DRMSystem 00000000-1111-2222-3333-444444444444'],
  ];
  for (const [what, spec, message] of cases) {
    const res = await post(server, requestXml(spec).xml);
    t.match(res, { status: 422, text: message }, what);
  }
  // A DRMSystem for a KID the request does not ask a key for.
  const stray = randomUUID();
  const { xml } = requestXml({ rules: v1a1 });
  const withStray = xml.replace('</cpix:DRMSystemList>', `<cpix:DRMSystem kid="${stray}" systemId="${WIDEVINE}"><cpix:PSSH/></cpix:DRMSystem></cpix:DRMSystemList>`);
  t.match(await post(server, withStray), { status: 422, text: `DRMSystem kid ${stray} is not in ContentKeyList` }, 'a DRMSystem for a KID not requested');
  // Not XML at all stays a 400.
  t.match(await post(server, ''), { status: 400 }, 'an empty body');
});

t.test('ClearKey AES-128 under the SPEKE v2 id and the v1 id: HLS AES-128 lines whose URI serves the key, no pssh', async (t) => {
  for (const [version, systemId] of [['2.0', CLEARKEY_AES128_V2], ['2.0', HLS_AES128_V1]] as const) {
    const contentId = `aes-${systemId.slice(0, 8)}`;
    const { xml, kids } = requestXml({ contentId, rules: [...VIDEO['PRESET-VIDEO-1']!, ...AUDIO['PRESET-AUDIO-1']!], systems: [systemId], scheme: 'cbcs' });
    const res = await post(server, xml, version);
    t.equal(res.status, 200, `${systemId}: ${res.text.slice(0, 200)}`);
    const systems: Node[] = cpixOf(res.text).DRMSystemList[0].DRMSystem;
    t.equal(systems.length, 2);
    for (const d of systems) {
      t.equal(d.PSSH, undefined, 'no PSSH for AES-128');
      const lines = Object.fromEntries(d.HLSSignalingData.map((h: Node) => [h.playlist, Buffer.from(h['#text'], 'base64').toString('utf8')]));
      const m = /^#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)",KEYFORMAT="identity",KEYFORMATVERSIONS="1"$/.exec(lines.media);
      t.ok(m, `media line: ${lines.media}`);
      t.equal(lines.master, lines.media.replace('#EXT-X-KEY:', '#EXT-X-SESSION-KEY:'));
      const served = Buffer.from(await (await fetch(m![1]!)).arrayBuffer());
      t.ok(served.equals(expectedKey(contentId, d.kid)), 'the URI serves the content key of that KID');
    }
    t.same(systems.map((d) => d.kid).sort(), [...kids].sort());
  }
  // SPEKE v1 with the v2 id: URIExtXKey and KeyFormat, as v1 asks.
  const kid = randomUUID();
  const v1 = `<cpix:CPIX id="aes-v1" xmlns:cpix="urn:dashif:org:cpix" xmlns:speke="urn:aws:amazon:com:speke"><cpix:ContentKeyList><cpix:ContentKey kid="${kid}"/></cpix:ContentKeyList>`
    + `<cpix:DRMSystemList><cpix:DRMSystem kid="${kid}" systemId="${CLEARKEY_AES128_V2}"><cpix:URIExtXKey/><speke:KeyFormat/><speke:KeyFormatVersions/></cpix:DRMSystem></cpix:DRMSystemList></cpix:CPIX>`;
  const r1 = await fetch(server.url, { method: 'POST', body: v1 });
  const d1 = cpixOf(await r1.text()).DRMSystemList[0].DRMSystem[0];
  t.equal(Buffer.from(d1.KeyFormat[0], 'base64').toString(), 'identity');
  t.match(Buffer.from(d1.URIExtXKey[0], 'base64').toString(), `/hls-key/aes-v1/${kid}`);
});

t.test('Irdeto (CMAF cenc): a version 1 pssh with the Irdeto system id and the KID, the same box in ContentProtectionData', async (t) => {
  const { xml, kids } = requestXml({ contentId: 'irdeto-1', rules: [...VIDEO['PRESET-VIDEO-2']!, ...AUDIO['PRESET-AUDIO-1']!], systems: [IRDETO] });
  const res = await post(server, xml);
  t.equal(res.status, 200, res.text.slice(0, 200));
  const systems: Node[] = cpixOf(res.text).DRMSystemList[0].DRMSystem;
  t.equal(systems.length, kids.length);
  for (const d of systems) {
    const box = Buffer.from(d.PSSH[0], 'base64');
    // ISO/IEC 23001-7 8.1: size, 'pssh', version 1 + flags, SystemID, KID_count, KIDs, DataSize, Data.
    t.equal(box.readUInt32BE(0), box.length);
    t.equal(box.toString('latin1', 4, 8), 'pssh');
    t.equal(box[8], 1, 'version 1');
    t.equal(box.subarray(12, 28).toString('hex'), IRDETO.replace(/-/g, ''));
    t.equal(box.readUInt32BE(28), 1, 'one KID');
    t.equal(box.subarray(32, 48).toString('hex'), d.kid.replace(/-/g, ''));
    t.equal(box.readUInt32BE(48), box.length - 52, 'data size');
    const cpd = Buffer.from(d.ContentProtectionData[0], 'base64').toString('utf8');
    t.match(cpd, `<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${d.PSSH[0]}</cenc:pssh>`);
    t.match(Buffer.from(d.HLSSignalingData.find((h: Node) => h.playlist === 'media')['#text'], 'base64').toString(), `KEYFORMAT="urn:uuid:${IRDETO}"`);
  }
});

t.test('key periods: a contract per period, the periods and KeyPeriodFilters echoed, keys per period', async (t) => {
  const periods = [{ id: 'keyPeriod_a', index: 10 }, { id: 'keyPeriod_b', index: 11 }];
  const rules: Rule[] = periods.flatMap((p) => [...VIDEO['PRESET-VIDEO-2']!, ...AUDIO['PRESET-AUDIO-2']!].map((r) => ({ ...r, periods: [p.id] })));
  const { xml, kids } = requestXml({ contentId: 'live-periods', rules, periods });
  const res = await post(server, xml);
  t.equal(res.status, 200, res.text.slice(0, 300));
  const cpix = cpixOf(res.text);
  t.same(cpix.ContentKeyPeriodList[0].ContentKeyPeriod.map((p: Node) => ({ id: p.id, index: Number(p.index) })), periods);
  const echoed: Node[] = cpix.ContentKeyUsageRuleList[0].ContentKeyUsageRule;
  t.same(echoed.map((r) => [r.kid, r.intendedTrackType, r.KeyPeriodFilter[0].periodId]), rules.map((r, i) => [kids[i], r.type, r.periods![0]]));
  const values = cpix.ContentKeyList[0].ContentKey.map((k: Node) => k.Data[0].Secret[0].PlainValue[0]);
  t.equal(new Set(values).size, 8, 'eight keys: four per period');
  // The same name twice in one period is refused, naming the period.
  const twice = requestXml({ rules: [{ type: 'VIDEO', video: [{}], periods: ['keyPeriod_a'] }, { type: 'VIDEO', video: [{}], periods: ['keyPeriod_a'] }], periods });
  t.match(await post(server, twice.xml), { status: 422, text: 'Duplicate ContentKeyUsageRule@intendedTrackType VIDEO in key period keyPeriod_a' });
});
