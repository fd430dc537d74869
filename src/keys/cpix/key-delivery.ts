import { constants, createCipheriv, createDecipheriv, createHmac, publicEncrypt, privateDecrypt, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KeyError } from '../../errors.js';
import { kidToUuid } from '../drm/guid.js';
import type { CpixContentKey, CpixDeliveryData, CpixEncryptedValue } from './cpix-model.js';
import { ALG_AES256_CBC, ALG_HMAC_SHA512, ALG_RSA_OAEP_MGF1P } from './cpix-model.js';

/**
 * Encrypted key delivery (DASH-IF CPIX, "Content Key Encryption" / "MAC"): a random 256-bit
 * document key and a 512-bit MAC key, each RSA-OAEP (SHA-1, MGF1-SHA-1: xmlenc#rsa-oaep-mgf1p)
 * encrypted to the recipient's certificate; every content key AES-256-CBC encrypted with the
 * document key (PKCS#7 padding, random IV prepended to the ciphertext in CipherValue), and
 * ValueMAC = HMAC-SHA512(MAC key, CipherValue).
 */
export interface DeliverySecrets {
  documentKey: Buffer;
  macKey: Buffer;
}

export function newDeliverySecrets(): DeliverySecrets {
  return { documentKey: randomBytes(32), macKey: randomBytes(64) };
}

/** DeliveryData for one recipient (the key server side). */
export function sealDeliveryData(certificateDer: Buffer, secrets: DeliverySecrets, id?: string): CpixDeliveryData {
  let publicKey: KeyObject;
  try {
    publicKey = new X509Certificate(certificateDer).publicKey;
  } catch (e) {
    throw new KeyError('ERR_CPIX_CERTIFICATE', 'DeliveryKey/X509Certificate is not a valid X.509 certificate', { where: 'DeliveryData/DeliveryKey', cause: e });
  }
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new KeyError('ERR_CPIX_CERTIFICATE', `DeliveryKey certificate holds a ${publicKey.asymmetricKeyType} key; CPIX key delivery needs RSA`, { where: 'DeliveryData/DeliveryKey' });
  }
  const rsa = (data: Buffer): CpixEncryptedValue => ({
    algorithm: ALG_RSA_OAEP_MGF1P,
    cipherValue: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data),
  });
  const out: CpixDeliveryData = {
    certificate: certificateDer,
    documentKey: rsa(secrets.documentKey),
    macAlgorithm: ALG_HMAC_SHA512,
    macKey: rsa(secrets.macKey),
  };
  if (id !== undefined) out.id = id;
  return out;
}

export function sealContentKey(key: Buffer, secrets: DeliverySecrets): CpixEncryptedValue {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', secrets.documentKey, iv);
  const cipherValue = Buffer.concat([iv, c.update(key), c.final()]);
  return { algorithm: ALG_AES256_CBC, cipherValue, valueMac: createHmac('sha512', secrets.macKey).update(cipherValue).digest() };
}

/** Recover the document and MAC keys with the recipient's private key (the encryptor side). */
export function openDeliveryData(d: CpixDeliveryData, privateKey: KeyObject | string | Buffer, where = 'DeliveryData'): DeliverySecrets {
  if (!d.documentKey) throw new KeyError('ERR_CPIX_DECRYPT', `${where} has no DocumentKey`, { where: `${where}/DocumentKey` });
  if (!d.macKey) throw new KeyError('ERR_CPIX_MAC', `${where} has no MACMethod/Key: refusing keys that cannot be authenticated`, { where: `${where}/MACMethod` });
  if (d.macAlgorithm !== undefined && d.macAlgorithm !== ALG_HMAC_SHA512) {
    throw new KeyError('ERR_CPIX_MAC', `${where}/MACMethod@Algorithm "${d.macAlgorithm.slice(0, 80)}" is not supported (hmac-sha512 is)`, { where: `${where}/MACMethod` });
  }
  const rsa = (v: CpixEncryptedValue, at: string): Buffer => {
    if (v.algorithm !== undefined && v.algorithm !== ALG_RSA_OAEP_MGF1P) {
      throw new KeyError('ERR_CPIX_DECRYPT', `${at} EncryptionMethod "${v.algorithm.slice(0, 80)}" is not supported (rsa-oaep-mgf1p is)`, { where: at });
    }
    try {
      return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, v.cipherValue);
    } catch (e) {
      // Do not forward OpenSSL's text; a wrong private key is the usual cause.
      throw new KeyError('ERR_CPIX_DECRYPT', `${at} could not be decrypted with the delivery private key (wrong key or corrupted value)`, { where: at, cause: undefined });
    }
  };
  const documentKey = rsa(d.documentKey, `${where}/DocumentKey`);
  const macKey = rsa(d.macKey, `${where}/MACMethod/Key`);
  if (documentKey.length !== 32) throw new KeyError('ERR_CPIX_DECRYPT', `${where}/DocumentKey is ${documentKey.length} bytes, AES-256 needs 32`, { where: `${where}/DocumentKey` });
  return { documentKey, macKey };
}

/** Verify the MAC first (refuse on mismatch), then decrypt one content key. */
export function openContentKey(k: CpixContentKey, secrets: DeliverySecrets): Buffer {
  const where = `ContentKey[kid=${kidToUuid(k.kid)}]`;
  const v = k.encryptedValue;
  if (!v) throw new KeyError('ERR_CPIX_DECRYPT', `${where} has no EncryptedValue`, { where });
  if (v.algorithm !== undefined && v.algorithm !== ALG_AES256_CBC) {
    throw new KeyError('ERR_CPIX_DECRYPT', `${where} EncryptionMethod "${v.algorithm.slice(0, 80)}" is not supported (aes256-cbc is)`, { where });
  }
  if (!v.valueMac) throw new KeyError('ERR_CPIX_MAC', `${where} has no ValueMAC: refusing an unauthenticated key`, { where: `${where}/Data/Secret/ValueMAC` });
  const mac = createHmac('sha512', secrets.macKey).update(v.cipherValue).digest();
  if (mac.length !== v.valueMac.length || !timingSafeEqual(mac, v.valueMac)) {
    throw new KeyError('ERR_CPIX_MAC', `${where} ValueMAC does not match: the encrypted key was altered or belongs to another document`, { where: `${where}/Data/Secret/ValueMAC` });
  }
  if (v.cipherValue.length < 32 || v.cipherValue.length % 16 !== 0) {
    throw new KeyError('ERR_CPIX_DECRYPT', `${where} CipherValue is ${v.cipherValue.length} bytes; expected a 16-byte IV and whole AES blocks`, { where });
  }
  try {
    const d = createDecipheriv('aes-256-cbc', secrets.documentKey, v.cipherValue.subarray(0, 16));
    return Buffer.concat([d.update(v.cipherValue.subarray(16)), d.final()]);
  } catch {
    throw new KeyError('ERR_CPIX_DECRYPT', `${where} could not be decrypted with the document key`, { where });
  }
}
