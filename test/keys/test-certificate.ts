import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';

/** A fresh self-signed RSA-2048 certificate (SPEKE requires 2048-bit RSA) made by openssl at test time. */
export async function makeTestCertificate(): Promise<{ certificatePem: string; certificateDer: Buffer; privateKeyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'segcrypt-cert-'));
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'),
      '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=segcrypt test encryptor'], { timeout: 30_000 });
    const certificatePem = await readFile(join(dir, 'cert.pem'), 'utf8');
    const privateKeyPem = await readFile(join(dir, 'key.pem'), 'utf8');
    return { certificatePem, certificateDer: Buffer.from(new X509Certificate(certificatePem).raw), privateKeyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
