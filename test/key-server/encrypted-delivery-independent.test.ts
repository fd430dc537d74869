/**
 * Encrypted key delivery checked against something other than itself. Until now our server sealed
 * and our client opened: a mistake made on both sides (the OAEP digest, where the IV goes, what
 * the MAC covers) would pass. Written here from the DASH-IF CPIX text and the algorithm URIs it
 * names, with openssl and raw node:crypto:
 *   - DocumentKey and MACMethod/Key: RSA-OAEP, xmlenc#rsa-oaep-mgf1p = SHA-1 with MGF1-SHA-1;
 *   - each ContentKey's CipherValue: xmlenc#aes256-cbc with the document key, the 16-byte IV first,
 *     PKCS#7 padding;
 *   - ValueMAC: xmldsig-more#hmac-sha512 with the MAC key over the whole CipherValue (IV included).
 * One way: the reference server's answer opened by `openssl pkeyutl` and node:crypto in the test.
 * The other: a document sealed by `openssl` commands, opened by our client.
 */
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDecipheriv, createHmac, randomBytes, constants, privateDecrypt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { KeyRequest } from '../../src/keys/content-key.js';
import { makeTestCertificate } from '../keys/test-certificate.js';
import { runTool } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const REQ: KeyRequest = { contentId: 'indep-1', trackTypes: ['video', 'audio'], scheme: 'cbcs', drmSystems: ['widevine'] };

/** The reference server's answer, optionally rewritten, with the last answer kept for the test to read. */
async function spyServer(rewrite: (xml: string) => string = (x) => x) {
  let last = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      last = rewrite(answerSpekeRequest(Buffer.concat(chunks), { version: req.headers['x-speke-version'] === '2.0' ? 2 : 1, secret: Buffer.from('independent'), baseUrl: 'http://x' }));
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(last);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/speke`, last: () => last, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
/** CipherValue of the first EncryptedValue inside `element` (DocumentKey or MACMethod). */
function wrapped(xml: string, element: string): Buffer {
  const m = new RegExp(`<cpix:${element}\\b.*?<enc:CipherValue>([^<]+)</enc:CipherValue>`, 's').exec(xml);
  if (!m) throw new Error(`no ${element} CipherValue in the answer`);
  return b64(m[1]!);
}
/** Per ContentKey: kid, CipherValue, ValueMAC. */
function sealedKeys(xml: string): { kid: string; cipherValue: Buffer; valueMac: Buffer }[] {
  return [...xml.matchAll(/<cpix:ContentKey kid="([^"]+)"[^>]*>.*?<enc:CipherValue>([^<]+)<\/enc:CipherValue>.*?<pskc:ValueMAC>([^<]+)<\/pskc:ValueMAC>.*?<\/cpix:ContentKey>/gs)]
    .map((m) => ({ kid: m[1]!.replace(/-/g, ''), cipherValue: b64(m[2]!), valueMac: b64(m[3]!) }));
}

t.test('the reference server\'s sealed answer opens with openssl and raw node:crypto', async (t) => {
  const dir = scratchDir(t);
  const cert = await makeTestCertificate();
  writeFileSync(path.join(dir, 'key.pem'), cert.privateKeyPem);
  const spy = await spyServer();
  t.teardown(() => spy.close());
  for (const version of [1, 2] as const) {
    const set = await new SpekeClient({ url: spy.url, version, delivery: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem } }).getKeys(REQ);
    const xml = spy.last();
    // RSA-OAEP (SHA-1, MGF1-SHA-1) by openssl's own command line, not node.
    const rsaOpen = async (name: string, value: Buffer): Promise<Buffer> => {
      writeFileSync(path.join(dir, `${name}.enc`), value);
      await runTool('openssl', ['pkeyutl', '-decrypt', '-inkey', path.join(dir, 'key.pem'), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1',
        '-pkeyopt', 'rsa_mgf1_md:sha1', '-in', path.join(dir, `${name}.enc`), '-out', path.join(dir, `${name}.bin`)]);
      return readFileSync(path.join(dir, `${name}.bin`));
    };
    const documentKey = await rsaOpen('document', wrapped(xml, 'DocumentKey'));
    const macKey = await rsaOpen('mac', wrapped(xml, 'MACMethod'));
    t.equal(documentKey.length, 32, `v${version}: a 256-bit document key`);
    // The same with node:crypto, for the record: both read the same bytes.
    t.ok(privateDecrypt({ key: cert.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, wrapped(xml, 'DocumentKey')).equals(documentKey), 'node:crypto agrees');
    const sealed = sealedKeys(xml);
    t.equal(sealed.length, set.keys.length, `v${version}: one sealed value per content key`);
    for (const s of sealed) {
      t.ok(createHmac('sha512', macKey).update(s.cipherValue).digest().equals(s.valueMac), `v${version} ${s.kid}: ValueMAC = HMAC-SHA512 over the whole CipherValue`);
      const d = createDecipheriv('aes-256-cbc', documentKey, s.cipherValue.subarray(0, 16));
      const key = Buffer.concat([d.update(s.cipherValue.subarray(16)), d.final()]);
      t.equal(key.length, 16, 'a 128-bit content key after PKCS#7');
      const ours = set.keys.find((k) => k.kid.toString('hex') === s.kid);
      t.ok(ours?.key.equals(key), `v${version} ${s.kid}: the key opened here is the key our client returned`);
    }
  }
});

t.test('a document sealed by openssl commands opens in our client', async (t) => {
  const dir = scratchDir(t);
  const cert = await makeTestCertificate();
  writeFileSync(path.join(dir, 'cert.pem'), cert.certificatePem);
  const documentKey = randomBytes(32);
  const macKey = randomBytes(64);
  const openssl = (args: string[]) => runTool('openssl', args);
  const rsaSeal = async (name: string, value: Buffer): Promise<string> => {
    writeFileSync(path.join(dir, `${name}.bin`), value);
    await openssl(['pkeyutl', '-encrypt', '-certin', '-inkey', path.join(dir, 'cert.pem'), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1',
      '-pkeyopt', 'rsa_mgf1_md:sha1', '-in', path.join(dir, `${name}.bin`), '-out', path.join(dir, `${name}.enc`)]);
    return readFileSync(path.join(dir, `${name}.enc`)).toString('base64');
  };
  const keySeal = async (i: number, key: Buffer): Promise<{ cipherValue: string; valueMac: string }> => {
    const iv = randomBytes(16);
    writeFileSync(path.join(dir, `k${i}.bin`), key);
    await openssl(['enc', '-aes-256-cbc', '-K', documentKey.toString('hex'), '-iv', iv.toString('hex'), '-in', path.join(dir, `k${i}.bin`), '-out', path.join(dir, `k${i}.enc`)]);
    const cipherValue = Buffer.concat([iv, readFileSync(path.join(dir, `k${i}.enc`))]);
    writeFileSync(path.join(dir, `cv${i}.bin`), cipherValue);
    await openssl(['dgst', '-sha512', '-mac', 'HMAC', '-macopt', `hexkey:${macKey.toString('hex')}`, '-binary', '-out', path.join(dir, `mac${i}.bin`), path.join(dir, `cv${i}.bin`)]);
    return { cipherValue: cipherValue.toString('base64'), valueMac: readFileSync(path.join(dir, `mac${i}.bin`)).toString('base64') };
  };
  const docWrapped = await rsaSeal('document', documentKey);
  const macWrapped = await rsaSeal('mac', macKey);
  const chosen = [randomBytes(16), randomBytes(16)];
  const sealedChosen = [await keySeal(0, chosen[0]!), await keySeal(1, chosen[1]!)];
  // The reference answer's structure, every sealed value replaced by openssl's.
  const spy = await spyServer((xml) => {
    let i = 0;
    return xml
      .replace(/(<cpix:DocumentKey\b.*?<enc:CipherValue>)[^<]+/s, `$1${docWrapped}`)
      .replace(/(<cpix:MACMethod\b.*?<enc:CipherValue>)[^<]+/s, `$1${macWrapped}`)
      .replace(/(<cpix:ContentKey kid="[^"]+"[^>]*>.*?<enc:CipherValue>)[^<]+(<\/enc:CipherValue>.*?<pskc:ValueMAC>)[^<]+/gs, (_m, a: string, b: string) => {
        const s = sealedChosen[i++]!;
        return `${a}${s.cipherValue}${b}${s.valueMac}`;
      });
  });
  t.teardown(() => spy.close());
  const set = await new SpekeClient({ url: spy.url, version: 2, delivery: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem } }).getKeys(REQ);
  const kids = sealedKeys(spy.last()).map((s) => s.kid);
  t.equal(kids.length, 2);
  for (const [i, kid] of kids.entries()) {
    t.ok(set.keys.find((k) => k.kid.toString('hex') === kid)?.key.equals(chosen[i]!), `${kid}: our client opens openssl's sealing to the chosen key`);
  }
});
