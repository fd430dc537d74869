import t from 'tap';
import http from 'node:http';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { deriveContentKey } from '../../src/key-server/key-derivation.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { KeyRequest } from '../../src/keys/content-key.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';
import { decodeWidevinePsshData } from '../../src/keys/drm/widevine-pssh.js';
import { parsePlayReadyObject } from '../../src/keys/drm/playready-header.js';
import { kidToGuidLittleEndian, kidToUuid } from '../../src/keys/drm/guid.js';

const SECRET = Buffer.from('f00eafbd68e94b4d55b1134c10121863904142be4286a8449b2a61140fcb9788', 'hex');

t.test('SPEKE v1: one key for every track, derived from the secret, with Widevine/PlayReady/FairPlay data', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const client = new SpekeClient({ url: server.url, version: 1, drmSystems: ['widevine', 'playready', 'fairplay'] });
  const set = await client.getKeys({ contentId: 'movie-1', trackTypes: ['video', 'audio'], scheme: 'cbcs' });
  t.equal(set.keys.length, 1);
  const k = set.keys[0]!;
  t.same(k.trackTypes, ['video', 'audio']);
  t.ok(k.key.equals(deriveContentKey(Buffer.from(SECRET), 'movie-1', k.kid)), 'the key the server derives');
  t.notOk(k.key.equals(deriveContentKey(Buffer.from('other'), 'movie-1', k.kid)), 'another secret, another key');
  const wv = set.drm.find((d) => d.systemId === SYSTEM_IDS.widevine)!;
  const wvData = decodeWidevinePsshData(wv.pssh!.subarray(32));
  t.same(wvData.kids.map((x) => x.toString('hex')), [k.kid.toString('hex')]);
  t.equal(wvData.contentId!.toString(), 'movie-1');
  t.equal(wvData.protectionSchemeFourcc, 0x63626373, "protection_scheme 'cbcs'");
  const pr = set.drm.find((d) => d.systemId === SYSTEM_IDS.playready)!;
  t.equal(pr.pssh![8], 1, 'PlayReady pssh v1 lists the KID');
  const header = parsePlayReadyObject(pr.pssh!.subarray(36 + 16));
  t.match(header, /version="4\.3\.0\.0"/, 'cbcs needs PlayReady header 4.3');
  t.match(header, new RegExp(`ALGID="AESCBC" VALUE="${kidToGuidLittleEndian(k.kid).toString('base64').replace(/[+/]/g, '\\$&')}"`));
  t.equal(pr.smoothStreamingProtectionHeaderData, pr.pssh!.subarray(52).toString('base64'), 'speke:ProtectionHeader = the PRO');
  const fp = set.drm.find((d) => d.systemId === SYSTEM_IDS.fairplay)!;
  t.equal(fp.uriExtXKey, `skd://${kidToUuid(k.kid)}`);
  t.equal(fp.keyFormat, 'com.apple.streamingkeydelivery');
  t.equal(fp.keyFormatVersions, '1');
});

t.test('SPEKE v2: video and audio keys from the presets, HLS and DASH signaling per key', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const client = new SpekeClient({ url: server.url, version: 2 });
  const set = await client.getKeys({ contentId: 'movie-2', trackTypes: ['video', 'audio'], scheme: 'cenc' });
  t.same(set.keys.map((k) => k.trackTypes), [['video'], ['audio']]);
  t.not(set.keys[0]!.kid.toString('hex'), set.keys[1]!.kid.toString('hex'));
  t.notOk(set.keys[0]!.key.equals(set.keys[1]!.key), 'per-track keys really differ');
  t.equal(set.drm.length, 4, 'widevine + playready for each of two keys (cenc: no FairPlay)');
  for (const d of set.drm) {
    t.match(d.hlsSignalingDataMedia, /^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text\/plain;/);
    t.match(d.hlsSignalingDataMaster, /^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,/);
    t.match(d.contentProtectionData, `<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${d.pssh!.toString('base64')}</cenc:pssh>`);
  }
  const pr = set.drm.find((d) => d.systemId === SYSTEM_IDS.playready)!;
  t.match(pr.contentProtectionData, /<mspr:pro xmlns:mspr="urn:microsoft:playready">/);
  t.match(parsePlayReadyObject(pr.pssh!.subarray(52)), /version="4\.0\.0\.0".*<ALGID>AESCTR<\/ALGID>.*<CHECKSUM>/);
});

t.test('SPEKE v2 presets: SHARED gives one key for both, UNENCRYPTED leaves audio out', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const req: KeyRequest = { contentId: 'movie-3', trackTypes: ['video', 'audio'], scheme: 'cbcs', drmSystems: ['fairplay'] };
  const shared = await new SpekeClient({ url: server.url, videoPreset: 'SHARED', audioPreset: 'SHARED' }).getKeys(req);
  t.same(shared.keys.map((k) => k.trackTypes), [['video', 'audio']]);
  const videoOnly = await new SpekeClient({ url: server.url, audioPreset: 'UNENCRYPTED' }).getKeys(req);
  t.same(videoOnly.keys.map((k) => k.trackTypes), [['video']]);
  t.match(videoOnly.drm[0]!.hlsSignalingDataMedia, /^#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd:\/\/[0-9a-f-]{36}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"$/);
});

t.test('same content and KIDs give the same keys; the client cache fetches once per process', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const kids = ['00112233445566778899aabbccddeeff', 'ffeeddccbbaa99887766554433221100'];
  const req: KeyRequest = { contentId: 'movie-4', trackTypes: ['video', 'audio'], scheme: 'cenc', kids };
  const a = await new SpekeClient({ url: server.url }).getKeys(req);
  const b = await new SpekeClient({ url: server.url }).getKeys(req);
  t.same(a.keys.map((k) => k.kid.toString('hex')), kids, 'the encryptor chose the KIDs');
  t.same(a.keys.map((k) => k.key.toString('hex')), b.keys.map((k) => k.key.toString('hex')));
  const other = await new SpekeClient({ url: server.url }).getKeys({ ...req, contentId: 'movie-5' });
  t.notSame(other.keys.map((k) => k.key.toString('hex')), a.keys.map((k) => k.key.toString('hex')), 'other content, other keys');
  const client = new SpekeClient({ url: server.url });
  const [x, y] = await Promise.all([client.getKeys({ ...req, kids: undefined }), client.getKeys({ ...req, kids: undefined })]);
  t.equal(x, y, 'concurrent calls share one fetch');
  t.equal(await client.getKeys({ ...req, kids: undefined }), x, 'later calls hit the cache');
  t.equal(await new SpekeClient({ url: server.url }).getKeys({ ...req, kids: undefined }), x, 'and so does another client of the process (same server, same credentials)');
  t.not(await new SpekeClient({ url: server.url, headers: { 'x-tenant': 'b' } }).getKeys({ ...req, kids: undefined }), x, 'a client with other credentials or headers fetches its own');
  t.not(await new SpekeClient({ url: server.url, version: 1 }).getKeys({ ...req, kids: undefined }), x, 'and so does one speaking another SPEKE version');
});

t.test('key periods travel to the server and back', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url }).getKeys({ contentId: 'live-1', trackTypes: ['video'], scheme: 'cenc', period: { id: 'keyPeriod_7', index: 7 } });
  t.same(set.periods, [{ id: 'keyPeriod_7', index: 7 }]);
  t.equal(set.keys[0]!.period, 'keyPeriod_7');
});

t.test('auth: basic, bearer and a custom header; wrong or missing credentials are ERR_SPEKE_AUTH', async (t) => {
  const basic = await startKeyServer({ secret: SECRET, auth: { basic: { user: 'enc', pass: 's3cret' } } });
  const bearer = await startKeyServer({ secret: SECRET, auth: { bearer: 'jwt.token.here' } });
  t.teardown(() => Promise.all([basic.close(), bearer.close()]));
  const req: KeyRequest = { contentId: 'auth-1', trackTypes: ['video'], scheme: 'cenc' };
  const get = (url: string, auth: ConstructorParameters<typeof SpekeClient>[0]['auth']) => new SpekeClient({ url, auth }).getKeys(req);
  t.equal((await get(basic.url, { type: 'basic', user: 'enc', pass: 's3cret' })).keys.length, 1);
  await t.rejects(get(basic.url, { type: 'basic', user: 'enc', pass: 'wrong' }), { code: 'ERR_SPEKE_AUTH', status: 403 });
  await t.rejects(get(basic.url, { type: 'none' }), { code: 'ERR_SPEKE_AUTH', status: 401 });
  t.equal((await get(bearer.url, { type: 'bearer', token: 'jwt.token.here' })).keys.length, 1);
  await t.rejects(get(bearer.url, { type: 'bearer', token: 'jwt.token.therE' }), { code: 'ERR_SPEKE_AUTH', status: 403 });
  t.equal((await get(bearer.url, { type: 'header', name: 'Authorization', value: 'Bearer jwt.token.here' })).keys.length, 1);
  try { await get(basic.url, { type: 'basic', user: 'enc', pass: 'wrong' }); } catch (e) { t.notMatch((e as Error).message, 'wrong'); }
});

t.test('malformed requests get a 400, well-formed ones the server refuses a 422, with the reason, surfaced with the status', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(server.url, { method: 'POST', body, headers: { 'content-type': 'application/xml', ...headers } });
    return { status: r.status, text: await r.text() };
  };
  t.match(await post('<not xml'), { status: 400, text: /not well-formed/ });
  t.match(await post('<cpix:CPIX version="2.3" xmlns:cpix="urn:dashif:org:cpix"/>', { 'x-speke-version': '2.0' }), { status: 422, text: 'Missing CPIX@contentId' });
  t.match(await post('<cpix:CPIX contentId="a" version="2.2" xmlns:cpix="urn:dashif:org:cpix"/>', { 'x-speke-version': '2.0' }), { status: 422, text: 'Unsupported CPIX@version' });
  t.match(await post('<x/>', { 'x-speke-version': '3.0' }), { status: 422, text: 'Unsupported SPEKE version' });
  const twoSchemes = `<cpix:CPIX contentId="a" version="2.3" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>
    <cpix:ContentKey kid="00112233-4455-6677-8899-aabbccddeeff" commonEncryptionScheme="cenc"/>
    <cpix:ContentKey kid="10112233-4455-6677-8899-aabbccddeeff" commonEncryptionScheme="cbcs"/></cpix:ContentKeyList></cpix:CPIX>`;
  t.match(await post(twoSchemes, { 'x-speke-version': '2.0' }), { status: 422, text: 'Non compliant ContentKey@commonEncryptionScheme combination' });
  const noContract = `<cpix:CPIX contentId="a" version="2.3" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>
    <cpix:ContentKey kid="00112233-4455-6677-8899-aabbccddeeff" commonEncryptionScheme="cenc"/></cpix:ContentKeyList>
    <cpix:DRMSystemList><cpix:DRMSystem kid="00112233-4455-6677-8899-aabbccddeeff" systemId="${SYSTEM_IDS.widevine}"><cpix:PSSH/></cpix:DRMSystem></cpix:DRMSystemList></cpix:CPIX>`;
  t.match(await post(noContract, { 'x-speke-version': '2.0' }), { status: 422, text: 'Missing ContentKeyUsageRuleList/ContentKeyUsageRule (the SPEKE v2 encryption contract)' });
  t.match(await post(`<!DOCTYPE x [<!ENTITY a "b">]><cpix:CPIX id="a" xmlns:cpix="urn:dashif:org:cpix"/>`), { status: 400, text: /DOCTYPE/ });
  t.match(await fetch(server.url.replace(/\/speke.*/, '/speke'), { method: 'GET' }), { status: 405 });
  // The client reports the server's reason with the status.
  await t.rejects(new SpekeClient({ url: server.url, drmSystems: ['fairplay'] }).getKeys({ contentId: 'a', trackTypes: ['video'], scheme: 'cenc' }),
    { code: 'ERR_SPEKE_HTTP', status: 422, message: /non compatible with DRMSystem 94ce86fb/ });
});

t.test('a request without KIDs gets random ones, with default signaling for every system', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const body = '<cpix:CPIX id="nokid" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey/></cpix:ContentKeyList></cpix:CPIX>';
  const texts = await Promise.all([0, 1].map(async () => (await fetch(server.url, { method: 'POST', body })).text()));
  const kid = (x: string) => /kid="([0-9a-f-]{36})"/.exec(x)![1];
  t.not(kid(texts[0]!), kid(texts[1]!), 'random KIDs');
  for (const id of [SYSTEM_IDS.widevine, SYSTEM_IDS.playready, SYSTEM_IDS.common, SYSTEM_IDS.fairplay]) t.match(texts[0], `systemId="${id}"`);
});

t.test('HLS AES-128: the URI the server signals serves the same key', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url, version: 1 }).getKeys({ contentId: 'hls-1', trackTypes: ['video', 'audio'], scheme: 'aes-128' });
  const aes = set.drm.find((d) => d.systemId === '81376844-f976-481e-a84e-cc25d39b0b33')!;
  t.equal(aes.keyFormat, 'identity');
  const served = Buffer.from(await (await fetch(aes.uriExtXKey!)).arrayBuffer());
  t.ok(served.equals(set.keys[0]!.key));
});

t.test('HLS AES-128 key download: its own per-content token, not the SPEKE credential', async (t) => {
  const server = await startKeyServer({ secret: SECRET, auth: { bearer: 'jwt.token.here' } });
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url, version: 1, auth: { type: 'bearer', token: 'jwt.token.here' } })
    .getKeys({ contentId: 'hls-2', trackTypes: ['video'], scheme: 'aes-128' });
  const uri = set.drm.find((d) => d.systemId === '81376844-f976-481e-a84e-cc25d39b0b33')!.uriExtXKey!;
  t.match(uri, /\?token=[A-Za-z0-9_-]{43}$/, 'the signaled URI carries the token');
  const served = Buffer.from(await (await fetch(uri)).arrayBuffer());
  t.ok(served.equals(set.keys[0]!.key), 'the signaled URI alone gets the key (a player needs no SPEKE credential)');
  const bare = uri.replace(/\?token=.*$/, '');
  const withSpekeCredential = await fetch(bare, { headers: { authorization: 'Bearer jwt.token.here' } });
  t.equal(withSpekeCredential.status, 403, 'the SPEKE credential does not open the key download');
  t.notOk(Buffer.from(await withSpekeCredential.arrayBuffer()).includes(set.keys[0]!.key), 'and the body does not carry it');
  t.equal((await fetch(`${bare}?token=wrong`)).status, 403, 'a wrong token: no key');
});

t.test('a request body over 1 MB gets 413 without the server reading it all', { timeout: 60_000 }, async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  // 64 MB offered one 64 KB chunk at a time, each only after the socket drained the last: a server
  // that stops reading stops the upload. Counted on the wire, not timed.
  const TOTAL = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const { status, written } = await new Promise<{ status: number | string; written: number }>((resolve) => {
    let written = 0;
    let status: number | string = 'connection closed';
    let done = false;
    const finish = (): void => { if (!done) { done = true; req.destroy(); resolve({ status, written }); } };
    const req = http.request(server.url, { method: 'POST', headers: { 'content-length': String(TOTAL) }, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', finish);
    req.on('close', finish);
    const pump = (): void => {
      while (!done && !req.destroyed && written < TOTAL) {
        written += chunk.length;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      if (written >= TOTAL) req.end();
    };
    pump();
  });
  t.ok(status === 413 || status === 'connection closed', `refused (${String(status)})`);
  t.ok(written < TOTAL / 2, `the upload stopped early: ${(written / 2 ** 20).toFixed(1)} MB of ${TOTAL / 2 ** 20} MB went out`);
  t.equal((await fetch(server.url, { method: 'POST', body: '<x/>' })).status, 400, 'still serving');
});

t.test('v2 without a DRMSystemList is refused (AWS SPEKE v2 verification suite); v1 without one gets the default systems', async (t) => {
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  await t.rejects(new SpekeClient({ url: server.url, drmSystems: [] }).getKeys({ contentId: 'nodrm', trackTypes: ['video'], scheme: 'cenc' }),
    { code: 'ERR_SPEKE_HTTP', status: 422, message: /Missing DRMSystemList\/DRMSystem/ });
  const v1 = await new SpekeClient({ url: server.url, version: 1, drmSystems: [] }).getKeys({ contentId: 'nodrm', trackTypes: ['video'], scheme: 'cenc' });
  t.ok(v1.drm.some((d) => d.systemId === SYSTEM_IDS.widevine && d.pssh), 'v1: widevine pssh by default');
});
