/**
 * Issue 19, finding 6: the AES-128 key download has its own credential, scoped to one content id
 * (a token in the key URI the SPEKE answer signals), and can be turned off.
 */
import t from 'tap';
import { parseKeyServerArgs } from '../../src/cli/commands/key-server.js';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { deriveContentKey } from '../../src/key-server/key-derivation.js';
import { kidUuid, rawRequest } from './attack-requests.js';

const SECRET = Buffer.from('a4c2e0f8d6b4a2c0e8f6d4b2a0c8e6f4d2b0a8c6e4f2d0b8a6c4e2f0d8b6a4c3', 'hex');
const AES128 = '81376844-f976-481e-a84e-cc25d39b0b33';
const kid = Buffer.from(kidUuid(5).replace(/-/g, ''), 'hex');

function aesRequest(contentId: string): string {
  return `<cpix:CPIX id="${contentId}" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey kid="${kidUuid(5)}"/></cpix:ContentKeyList>`
    + `<cpix:DRMSystemList><cpix:DRMSystem kid="${kidUuid(5)}" systemId="${AES128}"><cpix:URIExtXKey/></cpix:DRMSystem></cpix:DRMSystemList></cpix:CPIX>`;
}

t.test('the SPEKE credential does not open key download; a token opens one content id only', async (t) => {
  const server = await startKeyServer({ secret: SECRET, auth: { bearer: 'speke-token' } });
  t.teardown(() => server.close());
  const answer = await rawRequest(server.port, 'POST', '/speke', { authorization: 'Bearer speke-token' }, aesRequest('movie-a'));
  t.equal(answer.status, 200);
  const uri = Buffer.from(/<cpix:URIExtXKey>([^<]+)</.exec(answer.body.toString())![1]!, 'base64').toString();
  const a = new URL(uri);
  t.equal(a.searchParams.get('token')?.length, 43, 'the signaled URI has the content\'s token');
  const key = await rawRequest(server.port, 'GET', a.pathname + a.search);
  t.equal(key.status, 200, 'the token alone: served (no SPEKE credential needed by a player)');
  t.same(key.body, deriveContentKey(SECRET, 'movie-a', kid));
  // Before: this request (SPEKE credential, no token) got the key of any content id.
  const other = `/hls-key/movie-b/${kidUuid(5)}`;
  t.equal((await rawRequest(server.port, 'GET', other, { authorization: 'Bearer speke-token' })).status, 403, 'the SPEKE credential is not the download credential');
  t.equal((await rawRequest(server.port, 'GET', `${other}${a.search}`)).status, 403, 'movie-a\'s token does not open movie-b');
  t.equal((await rawRequest(server.port, 'GET', a.pathname)).status, 403, 'no token: no key');
  t.equal((await rawRequest(server.port, 'GET', `/hls-key/movie-a%00/${kidUuid(5)}${a.search}`)).status, 400, 'a control character in the path\'s content id: 400');
});

t.test('--no-hls-keys: no key download route, and SPEKE refuses to signal one', async (t) => {
  t.equal(parseKeyServerArgs(['--no-hls-keys'], {}).serveHlsKeys, false);
  const server = await startKeyServer({ secret: SECRET, serveHlsKeys: false });
  t.teardown(() => server.close());
  const uri = new URL(server.hlsKeyUri('movie-a', kid));
  const r = await rawRequest(server.port, 'GET', uri.pathname + uri.search);
  t.equal(r.status, 404);
  t.equal(r.body.toString(), 'HLS key download is off on this server');
  const speke = await rawRequest(server.port, 'POST', '/speke', {}, aesRequest('movie-a'));
  t.equal(speke.status, 400);
  t.match(speke.body.toString(), /HLS key download is off/);
});
