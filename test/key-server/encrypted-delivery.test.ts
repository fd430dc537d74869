import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';
import { deriveContentKey } from '../../src/key-server/key-derivation.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { KeyRequest } from '../../src/keys/content-key.js';
import { makeTestCertificate } from '../keys/test-certificate.js';

const SECRET = Buffer.from('557a6904ac184c5a905beebc74f3bb57961fef14f6a8e126efb61a0dc0bc23f2', 'hex');
const REQ: KeyRequest = { contentId: 'enc-1', trackTypes: ['video', 'audio'], scheme: 'cbcs', drmSystems: ['widevine'] };

/** The reference answer, passed through `mutate` before it goes out (a man in the middle). */
async function tamperingServer(mutate: (xml: string) => string) {
  let lastResponse = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastResponse = mutate(answerSpekeRequest(Buffer.concat(chunks), { version: req.headers['x-speke-version'] === '2.0' ? 2 : 1, secret: Buffer.from(SECRET), baseUrl: 'http://x' }));
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(lastResponse);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/speke`, last: () => lastResponse, close: () => new Promise<void>((r) => server.close(() => r())) };
}

t.test('encrypted delivery: the client sends its certificate and decrypts the keys; nothing travels in the clear', async (t) => {
  const cert = await makeTestCertificate();
  const spy = await tamperingServer((x) => x);
  t.teardown(() => spy.close());
  for (const version of [1, 2] as const) {
    const client = new SpekeClient({ url: spy.url, version, delivery: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem } });
    const set = await client.getKeys(REQ);
    for (const k of set.keys) t.ok(k.key.equals(deriveContentKey(Buffer.from(SECRET), 'enc-1', k.kid)), `v${version}: decrypted key matches`);
    const wire = spy.last();
    t.notMatch(wire, /PlainValue/);
    t.match(wire, /<cpix:DocumentKey Algorithm="http:\/\/www.w3.org\/2001\/04\/xmlenc#aes256-cbc">/);
    t.match(wire, /<cpix:MACMethod Algorithm="http:\/\/www.w3.org\/2001\/04\/xmldsig-more#hmac-sha512">/);
    t.match(wire, /rsa-oaep-mgf1p/);
    for (const k of set.keys) t.notMatch(wire, k.key.toString('base64'));
  }
});

t.test('the built-in server does the same over its own HTTP endpoint', async (t) => {
  const cert = await makeTestCertificate();
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url, delivery: { certificate: cert.certificateDer, privateKey: cert.privateKeyPem } }).getKeys(REQ);
  t.equal(set.keys.length, 2);
  t.ok(set.keys[0]!.key.equals(deriveContentKey(Buffer.from(SECRET), 'enc-1', set.keys[0]!.kid)));
});

t.test('wrong private key: typed ERR_CPIX_DECRYPT', async (t) => {
  const cert = await makeTestCertificate();
  const server = await startKeyServer({ secret: SECRET });
  t.teardown(() => server.close());
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await t.rejects(new SpekeClient({ url: server.url, delivery: { certificate: cert.certificatePem, privateKey } }).getKeys(REQ), { code: 'ERR_CPIX_DECRYPT' });
});

t.test('tampered MAC, tampered ciphertext, or keys in the clear: refused', async (t) => {
  const cert = await makeTestCertificate();
  const flipFirst = (tag: string) => (xml: string): string => xml.replace(new RegExp(`<${tag}>([A-Za-z0-9+/]{4})`), (_m, four: string) => `<${tag}>${four[0] === 'A' ? 'B' : 'A'}${four.slice(1)}`);
  const cases: [string, (x: string) => string, string][] = [
    ['ValueMAC', flipFirst('pskc:ValueMAC'), 'ERR_CPIX_MAC'],
    ['content key CipherValue', (x) => { let n = 0; return x.replace(/<enc:CipherValue>([A-Za-z0-9+/]{4})/g, (m, four: string) => (++n === 3 ? `<enc:CipherValue>${four[0] === 'A' ? 'B' : 'A'}${four.slice(1)}` : m)); }, 'ERR_CPIX_MAC'],
    ['a server that ignores the certificate', (x) => x.replace(/<pskc:EncryptedValue>.*?<\/pskc:ValueMAC>/s, '<pskc:PlainValue>AAAAAAAAAAAAAAAAAAAAAA==</pskc:PlainValue>'), 'ERR_CPIX_PARSE'],
  ];
  for (const [name, mutate, code] of cases) {
    const srv = await tamperingServer(mutate);
    await t.rejects(new SpekeClient({ url: srv.url, delivery: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem } }).getKeys(REQ), { code }, name);
    await srv.close();
  }
});
