/**
 * Issue 17: the built-in key server's ClearKey license endpoint, POST /clearkey/<content id>?token=T,
 * the W3C EME ClearKey exchange ({"kids":[...]} in, a JSON Web Key set out). Keys issued over SPEKE
 * are answered, with the value the documented HKDF derivation gives (computed here with node:crypto);
 * KIDs it did not issue for that content are not; malformed, oversized, unauthenticated and
 * cross-origin requests are refused. The answer's DASH signaling (ClearKey ContentProtectionData)
 * names the endpoint. Through a real player: test/serve/serve-page.test.ts.
 */
import t, { type Test } from 'tap';
import { hkdfSync, randomBytes } from 'node:crypto';
import { startKeyServer, type KeyServerOptions } from '../../src/key-server/http-server.js';
import { kidUuid, rawRequest } from './attack-requests.js';

const SECRET = Buffer.from('5be1c07a9e3f2d4b8a6c1e0f7d9b3a5c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b', 'hex');
const CLEARKEY = 'e2719d58-a985-b3c9-781a-b030af78d30e';
const COMMON = '1077efecc0b24d02ace33c1e52e2fb4b';
const kidHex = (i: number): string => kidUuid(i).replace(/-/g, '');
const b64url = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');

/** The documented derivation (README SECURITY): HKDF-SHA256(secret, info = label || u32be(len) || id || KID). */
function expectedKey(contentId: string, kid: string): Buffer {
  const id = Buffer.from(contentId, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(id.length);
  return Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), Buffer.concat([Buffer.from('segcrypt content key v2\0'), len, id, Buffer.from(kid, 'hex')]), 16));
}

/** A SPEKE v1 request for keys 1..n with ClearKey signaling (ContentProtectionData asked for). */
function spekeRequest(contentId: string, kids: number[]): string {
  return `<cpix:CPIX id="${contentId}" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>${kids.map((i) => `<cpix:ContentKey kid="${kidUuid(i)}"/>`).join('')}</cpix:ContentKeyList>`
    + `<cpix:DRMSystemList>${kids.map((i) => `<cpix:DRMSystem kid="${kidUuid(i)}" systemId="${CLEARKEY}"><cpix:ContentProtectionData/></cpix:DRMSystem>`).join('')}</cpix:DRMSystemList></cpix:CPIX>`;
}

async function serverWithIssued(t: Test, options: KeyServerOptions, contentId: string, kids: number[], auth: Record<string, string> = {}) {
  const server = await startKeyServer({ secret: SECRET, ...options });
  t.teardown(() => server.close());
  const speke = await rawRequest(server.port, 'POST', '/speke', auth, spekeRequest(contentId, kids));
  t.equal(speke.status, 200, 'SPEKE issues the keys');
  return { server, speke: speke.body.toString() };
}

const license = (port: number, url: string, body: string | Buffer, headers: Record<string, string> = {}) => {
  const u = new URL(url);
  return rawRequest(port, 'POST', u.pathname + u.search, { 'content-type': 'application/json', ...headers }, body);
};
const kidsBody = (hexes: string[]): string => JSON.stringify({ kids: hexes.map(b64url), type: 'temporary' });

t.test('keys issued over SPEKE come back from the license URL the ClearKey signaling names', async (t) => {
  const { server, speke } = await serverWithIssued(t, {}, 'movie-a', [1, 2]);
  const cpd = Buffer.from(/<cpix:ContentProtectionData>([^<]+)</.exec(speke)![1]!, 'base64').toString();
  const laUrl = /<dashif:Laurl xmlns:dashif="https:\/\/dashif.org\/CPS">([^<]+)<\/dashif:Laurl>/.exec(cpd)?.[1]?.replace(/&amp;/g, '&');
  t.equal(laUrl, server.clearKeyLicenseUrl('movie-a'), 'ContentProtectionData names dashif:Laurl = this server\'s license URL for the content');
  const pssh = Buffer.from(/<cenc:pssh[^>]*>([^<]+)</.exec(cpd)![1]!, 'base64');
  t.equal(pssh.subarray(12, 28).toString('hex'), COMMON, 'its pssh is the W3C common one (what ClearKey CDMs read)');
  t.equal(pssh.subarray(32, 48).toString('hex'), kidHex(1), 'naming the KID');

  const r = await license(server.port, laUrl!, kidsBody([kidHex(1), kidHex(2)]));
  t.equal(r.status, 200);
  t.match(r.headers['content-type'], /^application\/json/);
  const jwks = JSON.parse(r.body.toString()) as { keys: { kty: string; kid: string; k: string }[]; type: string };
  t.equal(jwks.type, 'temporary');
  t.same(jwks.keys, [1, 2].map((i) => ({ kty: 'oct', kid: b64url(kidHex(i)), k: expectedKey('movie-a', kidHex(i)).toString('base64url') })), 'a JSON Web Key set: kty oct, base64url kid and k = the derived key');
  const plain = [...speke.matchAll(/<pskc:PlainValue>([^<]+)</g)].map((m) => Buffer.from(m[1]!, 'base64').toString('hex'));
  t.same(jwks.keys.map((k) => Buffer.from(k.k, 'base64url').toString('hex')), plain, 'the same keys the SPEKE answer gave the encryptor');
});

t.test('unknown KIDs: left out; none issued for this content: 404', async (t) => {
  const { server } = await serverWithIssued(t, {}, 'movie-a', [1]);
  const url = server.clearKeyLicenseUrl('movie-a');
  const unknown = await license(server.port, url, kidsBody([kidHex(9)]));
  t.equal(unknown.status, 404);
  t.equal(unknown.body.toString(), 'None of the 1 requested KIDs was issued by this server for this content');
  const mixed = JSON.parse((await license(server.port, url, kidsBody([kidHex(9), kidHex(1)]))).body.toString()) as { keys: { kid: string }[] };
  t.same(mixed.keys.map((k) => k.kid), [b64url(kidHex(1))], 'a known and an unknown KID: only the known one is answered');
  const other = await license(server.port, server.clearKeyLicenseUrl('movie-b'), kidsBody([kidHex(1)]));
  t.equal(other.status, 404, 'a KID issued for movie-a is not answered for movie-b (its own valid token)');
  const u = new URL(url);
  t.equal((await rawRequest(server.port, 'POST', u.pathname, {}, kidsBody([kidHex(1)]))).status, 403, 'no token: 403');
  t.equal((await rawRequest(server.port, 'POST', `/clearkey/movie-b${u.search}`, {}, kidsBody([kidHex(1)]))).status, 403, 'movie-a\'s token does not open movie-b');
});

t.test('malformed requests: 400 naming what is wrong', async (t) => {
  const { server } = await serverWithIssued(t, {}, 'movie-a', [1]);
  const url = server.clearKeyLicenseUrl('movie-a');
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"kids":[', /^License request is not JSON/],
    ['an array', '[]', /^License request is not a JSON object$/],
    ['kids missing', '{"type":"temporary"}', /needs "kids"/],
    ['kids empty', '{"kids":[]}', /needs "kids"/],
    ['kids a string', `{"kids":"${b64url(kidHex(1))}"}`, /needs "kids"/],
    ['a KID of 15 bytes', JSON.stringify({ kids: [Buffer.alloc(15).toString('base64url')] }), /^License request kids\[0\] is not a base64url 16-byte KID$/],
    ['a KID in standard base64 with +/', JSON.stringify({ kids: ['++++++++++++++++++++//'] }), /kids\[0\]/],
    ['a persistent license', JSON.stringify({ kids: [b64url(kidHex(1))], type: 'persistent-license' }), /type must be "temporary"/],
  ];
  for (const [what, body, reason] of cases) {
    const r = await license(server.port, url, body);
    t.equal(r.status, 400, what);
    t.match(r.body.toString(), reason, what);
  }
});

t.test('oversized requests: 413 (body over 1 MiB, more than 256 KIDs)', async (t) => {
  const { server } = await serverWithIssued(t, {}, 'movie-a', [1]);
  const url = server.clearKeyLicenseUrl('movie-a');
  const big = await license(server.port, url, Buffer.alloc(1024 * 1024 + 1, 0x20));
  t.equal(big.status, 413);
  t.match(big.body.toString(), /over 1048576 bytes/);
  const many = await license(server.port, url, JSON.stringify({ kids: Array.from({ length: 257 }, () => b64url(kidHex(1))) }));
  t.equal(many.status, 413);
  t.equal(many.body.toString(), 'License request has 257 kids; this server\'s limit is 256');
  t.equal((await license(server.port, url, JSON.stringify({ kids: Array.from({ length: 256 }, () => b64url(kidHex(1))) }))).status, 200, '256 is allowed');
});

t.test('behind the server\'s auth when it has one: missing 401, wrong 403, right 200', async (t) => {
  const auth = { authorization: 'Bearer lic-token' };
  const { server } = await serverWithIssued(t, { auth: { bearer: 'lic-token' } }, 'movie-a', [1], auth);
  const url = server.clearKeyLicenseUrl('movie-a');
  const none = await license(server.port, url, kidsBody([kidHex(1)]));
  t.equal(none.status, 401);
  t.equal(none.headers['www-authenticate'], 'Bearer');
  t.equal((await license(server.port, url, kidsBody([kidHex(1)]), { authorization: 'Bearer lic-tokeN' })).status, 403);
  t.equal((await license(server.port, url, kidsBody([kidHex(1)]), auth)).status, 200);
});

t.test('browsers: only allowed origins (CORS preflight answered for them)', async (t) => {
  const origin = 'http://127.0.0.1:8000';
  const { server } = await serverWithIssued(t, { allowedOrigins: [origin] }, 'movie-a', [1]);
  const url = server.clearKeyLicenseUrl('movie-a');
  t.equal((await license(server.port, url, kidsBody([kidHex(1)]), { origin: 'http://evil.example' })).status, 403, 'another origin: 403');
  const u = new URL(url);
  const pre = await rawRequest(server.port, 'OPTIONS', u.pathname + u.search, { origin, 'access-control-request-method': 'POST' });
  t.equal(pre.status, 204);
  const ok = await license(server.port, url, kidsBody([kidHex(1)]), { origin });
  t.equal(ok.status, 200);
  t.equal(ok.headers['access-control-allow-origin'], origin);
});

t.test('issued keys recorded elsewhere (segcrypt serve): answered with the same secret; a fresh server answers none', async (t) => {
  const again = await startKeyServer({ secret: SECRET, issued: [{ contentId: 'movie-a', kid: Buffer.from(kidHex(3), 'hex') }] });
  t.teardown(() => again.close());
  const r = await license(again.port, again.clearKeyLicenseUrl('movie-a'), kidsBody([kidHex(3)]));
  t.equal(r.status, 200);
  t.equal((JSON.parse(r.body.toString()) as { keys: { k: string }[] }).keys[0]!.k, expectedKey('movie-a', kidHex(3)).toString('base64url'));
  t.same(again.issuedKeys().map((k) => [k.contentId, k.kid.toString('hex')]), [['movie-a', kidHex(3)]]);
  const fresh = await startKeyServer({ secret: SECRET });
  t.teardown(() => fresh.close());
  t.equal((await license(fresh.port, fresh.clearKeyLicenseUrl('movie-a'), kidsBody([kidHex(3)]))).status, 404, 'the same secret alone does not make a KID issued');
});

t.test('--no-hls-keys turns key delivery to players off: no license route, no license URL signaled', async (t) => {
  const { server, speke } = await serverWithIssued(t, { serveHlsKeys: false }, 'movie-a', [1]);
  const r = await license(server.port, server.clearKeyLicenseUrl('movie-a'), kidsBody([kidHex(1)]));
  t.equal(r.status, 404);
  const cpd = Buffer.from(/<cpix:ContentProtectionData>([^<]+)</.exec(speke)![1]!, 'base64').toString();
  t.notMatch(cpd, /Laurl/);
});
