import t from 'tap';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { newDeliverySecrets, openContentKey, openDeliveryData, sealContentKey, sealDeliveryData } from '../../src/keys/cpix/key-delivery.js';
import { makeTestCertificate } from './test-certificate.js';

t.test('seal and open: RSA-OAEP document and MAC keys, AES-256-CBC key with IV prepended, HMAC-SHA512', async (t) => {
  const { certificateDer, privateKeyPem } = await makeTestCertificate();
  const secrets = newDeliverySecrets();
  const dd = sealDeliveryData(certificateDer, secrets, 'enc1');
  const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const sealed = sealContentKey(key, secrets);
  t.equal(sealed.cipherValue.length, 48, '16-byte IV + 32 bytes (16-byte key + PKCS#7 block)');
  t.ok(sealed.valueMac!.equals(createHmac('sha512', secrets.macKey).update(sealed.cipherValue).digest()), 'MAC is over IV||ciphertext');
  const opened = openDeliveryData(dd, privateKeyPem);
  t.ok(opened.documentKey.equals(secrets.documentKey));
  t.ok(opened.macKey.equals(secrets.macKey));
  t.ok(openContentKey({ kid: Buffer.alloc(16), encryptedValue: sealed }, opened).equals(key));
});

t.test('wrong private key, tampered MAC, tampered ciphertext, missing MAC: each refused with its code', async (t) => {
  const { certificateDer, privateKeyPem } = await makeTestCertificate();
  const secrets = newDeliverySecrets();
  const dd = sealDeliveryData(certificateDer, secrets);
  const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  t.throws(() => openDeliveryData(dd, other), { code: 'ERR_CPIX_DECRYPT', where: 'DeliveryData/DocumentKey' });
  const key = Buffer.alloc(16, 1);
  const sealed = sealContentKey(key, secrets);
  const macBad = { ...sealed, valueMac: Buffer.from(sealed.valueMac!) };
  macBad.valueMac[0]! ^= 1;
  t.throws(() => openContentKey({ kid: Buffer.alloc(16), encryptedValue: macBad }, secrets), { code: 'ERR_CPIX_MAC' });
  const ctBad = { ...sealed, cipherValue: Buffer.from(sealed.cipherValue) };
  ctBad.cipherValue[20]! ^= 1;
  t.throws(() => openContentKey({ kid: Buffer.alloc(16), encryptedValue: ctBad }, secrets), { code: 'ERR_CPIX_MAC' }, 'MAC checked before decrypting');
  t.throws(() => openContentKey({ kid: Buffer.alloc(16), encryptedValue: { ...sealed, valueMac: undefined } }, secrets), { code: 'ERR_CPIX_MAC' });
  t.throws(() => openDeliveryData({ ...dd, macKey: undefined }, privateKeyPem), { code: 'ERR_CPIX_MAC' });
  try { openContentKey({ kid: Buffer.alloc(16), encryptedValue: macBad }, secrets); } catch (e) {
    t.notMatch((e as Error).message, key.toString('hex'));
    t.notMatch((e as Error).message, secrets.documentKey.toString('base64'));
  }
});

t.test('a non-RSA or invalid certificate is refused', async (t) => {
  t.throws(() => sealDeliveryData(Buffer.from('not a certificate'), newDeliverySecrets()), { code: 'ERR_CPIX_CERTIFICATE' });
});
