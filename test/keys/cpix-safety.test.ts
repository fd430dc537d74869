import t from 'tap';
import { parseCpix } from '../../src/keys/cpix/parse-cpix.js';
import { buildCpix } from '../../src/keys/cpix/build-cpix.js';
import { keySetFromCpix } from '../../src/keys/cpix/keyset-from-cpix.js';

const KID = '98ee5596-cd3e-a20d-163a-e382420c6eff';
const doc = (body: string, root = 'cpix:CPIX'): string =>
  `<${root} id="x" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc">${body}</${root}>`;

t.test('billion laughs and external entities never reach the parser', async (t) => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
    `<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + doc(`<cpix:ContentKeyList><cpix:ContentKey kid="${KID}">&lol3;</cpix:ContentKey></cpix:ContentKeyList>`);
  t.throws(() => parseCpix(laughs), { code: 'ERR_CPIX_DOCTYPE', category: 'key' });
  const xxe = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${doc('')}`;
  t.throws(() => parseCpix(xxe), { code: 'ERR_CPIX_DOCTYPE' });
  t.throws(() => parseCpix(`<!doctype x>${doc('')}`), { code: 'ERR_CPIX_DOCTYPE' }, 'case-insensitive');
});

t.test('size cap, malformed XML and missing root are typed errors naming the place', async (t) => {
  const big = doc(`<!--${'x'.repeat(1024 * 1024)}-->`);
  t.throws(() => parseCpix(big), { code: 'ERR_CPIX_TOO_LARGE' });
  t.throws(() => parseCpix(doc('<cpix:ContentKeyList><cpix:ContentKey>')), { code: 'ERR_CPIX_PARSE', message: /line 1/ });
  t.throws(() => parseCpix('<foo/>'), { code: 'ERR_CPIX_PARSE', where: 'CPIX' });
  t.throws(() => parseCpix(doc('<cpix:ContentKeyList><cpix:ContentKey kid="not-a-uuid"/></cpix:ContentKeyList>')), { code: 'ERR_CPIX_PARSE', where: 'ContentKey[0]@kid' });
  t.throws(() => parseCpix(doc(`<cpix:DRMSystemList><cpix:DRMSystem kid="${KID}" systemId="nope"/></cpix:DRMSystemList>`)), { code: 'ERR_CPIX_PARSE', where: 'DRMSystem[0]@systemId' });
  t.throws(() => parseCpix(doc(`<cpix:ContentKeyList><cpix:ContentKey kid="${KID}"><cpix:Data><pskc:Secret><pskc:PlainValue>**</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey></cpix:ContentKeyList>`)),
    { code: 'ERR_CPIX_PARSE', message: /PlainValue is not base64/ });
});

t.test('namespace prefixes do not matter; predefined entities decode without expansion', async (t) => {
  const a = `<x:CPIX contentId="a&amp;b" xmlns:x="urn:dashif:org:cpix" xmlns:k="urn:ietf:params:xml:ns:keyprov:pskc"><x:ContentKeyList><x:ContentKey kid="${KID}"><x:Data><k:Secret><k:PlainValue>5dGAgwGuUYu4dHeHtNlxJw==</k:PlainValue></k:Secret></x:Data></x:ContentKey></x:ContentKeyList></x:CPIX>`;
  const d = parseCpix(a);
  t.equal(d.contentId, 'a&b');
  t.equal(d.contentKeys[0]!.plainValue!.toString('base64'), '5dGAgwGuUYu4dHeHtNlxJw==');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(a, 'utf16le')]);
  t.equal(parseCpix(utf16).contentKeys.length, 1, 'UTF-16 with BOM');
});

t.test('a key of the wrong length and a key without a value are refused', async (t) => {
  const short = parseCpix(doc(`<cpix:ContentKeyList><cpix:ContentKey kid="${KID}"><cpix:Data><pskc:Secret><pskc:PlainValue>AAAA</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey></cpix:ContentKeyList>`));
  t.throws(() => keySetFromCpix(short), { code: 'ERR_CPIX_KEY_LENGTH' });
  const none = parseCpix(doc(`<cpix:ContentKeyList><cpix:ContentKey kid="${KID}"/></cpix:ContentKeyList>`));
  t.throws(() => keySetFromCpix(none), { code: 'ERR_CPIX_NO_KEY' });
});

t.test('build then parse is lossless for every modelled field', async (t) => {
  const kid = Buffer.from(KID.replace(/-/g, ''), 'hex');
  const model = {
    contentId: 'c<1>', version: '2.3',
    deliveryData: [{ id: 'r1', certificate: Buffer.from('cert') }],
    contentKeys: [{ kid, explicitIV: Buffer.alloc(16, 7), commonEncryptionScheme: 'cbcs', plainValue: Buffer.alloc(16, 9) }],
    drmSystems: [{ kid, systemId: 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed', pssh: 'AAAA', contentProtectionData: '', hlsSignalingDataMedia: 'bWVkaWE=', hlsSignalingDataMaster: '', keyFormat: '', protectionHeader: 'cHI=' }],
    periods: [{ id: 'p0', index: 3 }],
    usageRules: [{ kid, intendedTrackType: 'VIDEO', periodIds: ['p0'], videoFilters: [{ minPixels: 1, maxPixels: 2073600, hdr: false }], audioFilters: [] }],
  };
  const round = parseCpix(buildCpix(model));
  t.same(round, model);
});
