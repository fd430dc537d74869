/**
 * Finding 1 (issue 19): the work of one SPEKE request is bounded. Counts of ContentKeys,
 * DRMSystems (with the defaults a bare key gets), usage rules and key periods are capped; over a
 * cap the answer is a 4xx naming the element and the limit. Finding 5 (request side): a content
 * id with control characters is refused.
 */
import t from 'tap';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { answerSpekeRequest, RequestRejected } from '../../src/key-server/speke-answer.js';
import { firstLimitExceeded, REQUEST_LIMITS } from '../../src/key-server/request-limits.js';
import { parseCpix } from '../../src/keys/cpix/parse-cpix.js';
import { kidUuid, rawRequest, v1Request } from './attack-requests.js';

const SECRET = Buffer.from('3b1f8a5e0c9d7f26e4a1b8c3d5f7091a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d', 'hex');
const ctx = { version: 1 as const, secret: SECRET, baseUrl: 'http://127.0.0.1:1' };

function rejection(body: string, version: 1 | 2 = 1): RequestRejected | undefined {
  try { answerSpekeRequest(Buffer.from(body), { ...ctx, version }); } catch (e) { if (e instanceof RequestRejected) return e; throw e; }
  return undefined;
}

t.test('the attack request: 5,000 ContentKeys without DRMSystem are refused with 413 naming the limit', async (t) => {
  const server = await startKeyServer({ secret: SECRET, auth: { bearer: 'tok' } });
  t.teardown(() => server.close());
  // Before the fix this took 4.6 s and answered 9.5 MB (quadratic in the key count).
  const res = await rawRequest(server.port, 'POST', '/speke', { authorization: 'Bearer tok', 'content-type': 'application/xml' }, v1Request(5000));
  t.equal(res.status, 413);
  t.equal(res.body.toString(), `Request has 5000 ContentKey elements; this server's limit is ${REQUEST_LIMITS.contentKeys}`);
  const ok = await rawRequest(server.port, 'POST', '/speke', { authorization: 'Bearer tok' }, v1Request(50));
  t.equal(ok.status, 200, 'a request of 50 keys is served');
  t.equal(parseCpix(ok.body).drmSystems.length, 200, '50 keys x 4 default systems');
});

t.test('each cap: at the limit answered, one over refused', async (t) => {
  t.equal(rejection(v1Request(REQUEST_LIMITS.contentKeys)), undefined, `${REQUEST_LIMITS.contentKeys} keys: answered`);
  t.match(rejection(v1Request(REQUEST_LIMITS.contentKeys + 1)), { status: 413, reason: /257 ContentKey elements; this server's limit is 256/ });
  const systems = (n: number) => `<cpix:DRMSystemList>${Array.from({ length: n }, () => `<cpix:DRMSystem kid="${kidUuid(0)}" systemId="edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"/>`).join('')}</cpix:DRMSystemList>`;
  t.equal(rejection(v1Request(1, 'c', systems(REQUEST_LIMITS.drmSystems))), undefined, `${REQUEST_LIMITS.drmSystems} DRMSystems: answered`);
  t.match(rejection(v1Request(1, 'c', systems(REQUEST_LIMITS.drmSystems + 1))), { status: 413, reason: /1025 DRMSystem elements; this server's limit is 1024/ });
  const rules = (n: number) => `<cpix:ContentKeyUsageRuleList>${Array.from({ length: n }, (_, i) => `<cpix:ContentKeyUsageRule kid="${kidUuid(0)}" intendedTrackType="T${i}"><cpix:VideoFilter/></cpix:ContentKeyUsageRule>`).join('')}</cpix:ContentKeyUsageRuleList>`;
  t.match(rejection(v1Request(1, 'c', rules(REQUEST_LIMITS.usageRules + 1))), { status: 413, reason: /ContentKeyUsageRule elements; this server's limit is 256/ });
  const periods = (n: number) => `<cpix:ContentKeyPeriodList>${Array.from({ length: n }, (_, i) => `<cpix:ContentKeyPeriod id="p${i}" index="${i}"/>`).join('')}</cpix:ContentKeyPeriodList>`;
  t.match(rejection(v1Request(1, 'c', periods(REQUEST_LIMITS.periods + 1))), { status: 413, reason: /ContentKeyPeriod elements; this server's limit is 256/ });
  const lists = Buffer.from(`<cpix:CPIX>${'<cpix:ContentKeyList></cpix:ContentKeyList><ContentKeyUsageRuleList/>'.repeat(300)}</cpix:CPIX>`);
  t.equal(firstLimitExceeded(lists), undefined, 'list elements are not counted as their items');
  t.same(firstLimitExceeded(Buffer.from('<ContentKey/>'.repeat(300))), { element: 'ContentKey', count: 300, limit: 256 }, 'unprefixed names count');
  t.same(firstLimitExceeded(Buffer.from('<a:ContentKey\n/>'.repeat(257))), { element: 'ContentKey', count: 257, limit: 256 }, 'any prefix, any whitespace');
  t.equal(firstLimitExceeded(Buffer.from(`<x note="${'ContentKey '.repeat(300)}"/>${': ContentKey>'.repeat(300)}`)), undefined, 'the name in text or attribute values is not a start tag');
});

t.test('256 keys with explicit IVs: each DRMSystem gets its own key\'s IV (the lookup is by KID)', async (t) => {
  const n = REQUEST_LIMITS.contentKeys;
  const iv = (i: number) => Buffer.alloc(16, i & 0xff).toString('base64');
  const keys = Array.from({ length: n }, (_, i) => `<cpix:ContentKey kid="${kidUuid(i)}" explicitIV="${iv(i)}"/>`).join('');
  const systems = Array.from({ length: n }, (_, i) => `<cpix:DRMSystem kid="${kidUuid(i)}" systemId="81376844-f976-481e-a84e-cc25d39b0b33"><cpix:HLSSignalingData playlist="media"/></cpix:DRMSystem>`).join('');
  const body = `<cpix:CPIX id="ivs" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>${keys}</cpix:ContentKeyList><cpix:DRMSystemList>${systems}</cpix:DRMSystemList></cpix:CPIX>`;
  const doc = parseCpix(answerSpekeRequest(Buffer.from(body), ctx));
  t.equal(doc.drmSystems.length, n);
  const wrong = doc.drmSystems.filter((d, i) => d.kid.toString('hex') !== kidUuid(i).replace(/-/g, '')
    || !Buffer.from(d.hlsSignalingDataMedia!, 'base64').toString().toLowerCase().includes(`,iv=0x${Buffer.alloc(16, i & 0xff).toString('hex')},`));
  t.equal(wrong.length, 0, 'every line names its own key\'s IV, in request order');
});

t.test('finding 5: content ids with control characters are refused (400), not echoed', async (t) => {
  for (const id of ['abc\u0000', 'a\nb', 'x\u0007', 'tab\there', 'del\u007f']) {
    const r = rejection(`<cpix:CPIX id="${id}" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey kid="${kidUuid(1)}"/></cpix:ContentKeyList></cpix:CPIX>`);
    t.match(r, { status: 400, reason: 'CPIX@id has control characters' }, JSON.stringify(id));
  }
  const v2 = rejection(`<cpix:CPIX contentId="abc&#0;" version="2.3" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey kid="${kidUuid(1)}" commonEncryptionScheme="cenc"/></cpix:ContentKeyList></cpix:CPIX>`, 2);
  t.not(v2?.status, 200, 'an escaped NUL is not a way around it');
  const long = rejection(v1Request(1, 'x'.repeat(513)));
  t.match(long, { status: 400, reason: 'CPIX@id is over 512 bytes' });
});
