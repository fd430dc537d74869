// Issue 20: @aws-sdk/signature-v4-crt is an optional peer. Here (a devDependency) it is installed,
// so SigV4a must sign, and its signature is checked with node:crypto against the SigV4a key
// derivation written from the specification; without it, or when its native addon cannot load,
// the error is typed and names the one command that adds it.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createECDH, createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { createSigV4Signer } from '../../src/keys/speke/sigv4.js';
import { REPO_ROOT, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = () => new Date('2015-08-30T12:36:00Z');
const ALGORITHM = 'AWS4-ECDSA-P256-SHA256';
/** Order of the P-256 group (SEC 2, secp256r1 n). */
const P256_N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
const INSTALL = 'npm install @aws-sdk/signature-v4-crt';

/**
 * SigV4a signing key: NIST SP 800-108 KDF in counter mode, HMAC-SHA256 keyed with "AWS4A" + secret,
 * fixed input = i (1, 32-bit) || label || 0x00 || access key id || external counter (1 byte) || L (256,
 * 32-bit); the first counter whose output c <= n - 2 gives the private scalar d = c + 1.
 */
function sigv4aPublicKey(accessKeyId: string, secret: string): KeyObject {
  for (let counter = 1; counter <= 254; counter++) {
    const fixed = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from(ALGORITHM), Buffer.from([0]), Buffer.from(accessKeyId), Buffer.from([counter]), Buffer.from([0, 0, 1, 0])]);
    const c = BigInt(`0x${createHmac('sha256', `AWS4A${secret}`).update(fixed).digest('hex')}`);
    if (c > P256_N - 2n) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from((c + 1n).toString(16).padStart(64, '0'), 'hex'));
    const pub = ecdh.getPublicKey(); // 0x04 || X || Y
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') }, format: 'jwk' });
  }
  throw new Error('SigV4a key derivation did not converge');
}

t.test('SigV4a with the optional peer installed: the ECDSA signature verifies under the key derived from the secret', async (t) => {
  const sign = createSigV4Signer({ region: 'us-east-1', credentials: CREDS, sigv4a: true, now: NOW });
  const url = new URL('https://abc123.execute-api.us-east-1.amazonaws.com/prod/speke/v2.0/copyProtection?b=2&a=1');
  const body = '<cpix:CPIX contentId="abc123" version="2.3"/>';
  const h = await sign({ method: 'POST', url, headers: { 'Content-Type': 'application/xml', 'X-Speke-Version': '2.0' }, body });
  const m = /^AWS4-ECDSA-P256-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(h.authorization ?? '');
  t.ok(m, `an ${ALGORITHM} Authorization header`);
  if (!m) return;
  // SigV4a scope has no region (date/service/aws4_request); the region set travels as a signed header.
  t.equal(m[1], 'AKIDEXAMPLE/20150830/execute-api/aws4_request');
  t.equal(h['x-amz-region-set'], '*');
  const signed = m[2]!.split(';');
  t.same(signed, [...signed].sort(), 'signed headers in order');
  for (const name of ['host', 'x-amz-date', 'x-amz-region-set', 'content-type', 'x-speke-version']) t.ok(signed.includes(name), `${name} is signed`);
  const canonical = ['POST', url.pathname, 'a=1&b=2', signed.map((n) => `${n}:${h[n]!.trim()}\n`).join(''), m[2], createHash('sha256').update(body).digest('hex')].join('\n');
  const stringToSign = Buffer.from([ALGORITHM, h['x-amz-date'], m[1]!.slice('AKIDEXAMPLE/'.length), createHash('sha256').update(canonical).digest('hex')].join('\n'));
  const signature = Buffer.from(m[3]!, 'hex');
  t.ok(verify('sha256', stringToSign, sigv4aPublicKey(CREDS.accessKeyId, CREDS.secretAccessKey), signature), 'verifies under the derived key');
  // Negative twins: another secret's key, another body.
  t.notOk(verify('sha256', stringToSign, sigv4aPublicKey(CREDS.accessKeyId, `${CREDS.secretAccessKey}x`), signature), 'not under another secret');
  const otherCanonical = canonical.replace(/[0-9a-f]{64}$/, createHash('sha256').update(`${body} `).digest('hex'));
  const otherStringToSign = Buffer.from([ALGORITHM, h['x-amz-date'], m[1]!.slice('AKIDEXAMPLE/'.length), createHash('sha256').update(otherCanonical).digest('hex')].join('\n'));
  t.notOk(verify('sha256', otherStringToSign, sigv4aPublicKey(CREDS.accessKeyId, CREDS.secretAccessKey), signature), 'not for another body');
});

t.test('without the peer (a real ERR_MODULE_NOT_FOUND): ERR_SIGV4_CRT_MISSING names the one npm install command', async (t) => {
  for (const o of [{ sigv4a: true }, { signer: 'crt' as const }]) {
    const sign = createSigV4Signer({ region: 'us-east-1', credentials: CREDS, now: NOW, ...o, importModule: (name) => import(`${name}-not-installed`) });
    const err = await sign({ method: 'POST', url: new URL('https://x.example/'), headers: {}, body: '' }).then(() => undefined, (e: unknown) => e);
    t.match(err, { code: 'ERR_SIGV4_CRT_MISSING', category: 'key', where: 'auth sigv4' }, JSON.stringify(o));
    t.match((err as Error).message, o.sigv4a ? /^SigV4a needs/ : /^the CRT signer \(--signer crt\) needs/);
    t.ok((err as Error).message.endsWith(`add it with: ${INSTALL}`), 'ends with the command');
    t.notMatch((err as Error).message, CREDS.secretAccessKey);
  }
});

t.test('installed but its native addon cannot load (node --no-addons): ERR_SIGV4_CRT_LOAD from the CLI, exit 69', async (t) => {
  const dir = scratchDir(t, 'segcrypt-crt-load-');
  const args = ['--no-addons', join(REPO_ROOT, 'bin/segcrypt.js'), 'encrypt', join(SAMPLES, 'media/avc.mp4'), '-o', join(dir, 'out.mp4'), '--scheme', 'cenc',
    '--speke-url', 'http://127.0.0.1:9/speke', '--content-id', 'c', '--auth', 'sigv4a:us-east-1'];
  const env = { ...process.env, AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, NODE_NO_WARNINGS: '1' };
  const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, args, { env, timeout: 60_000 });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stderr }));
  });
  t.equal(r.status, 69, 'key acquisition exit code');
  t.match(r.stderr, /^segcrypt: ERR_SIGV4_CRT_LOAD: SigV4a needs @aws-sdk\/signature-v4-crt, which is installed but did not load \(Cannot load native addon/);
  t.match(r.stderr, INSTALL);
  t.notMatch(r.stderr, CREDS.secretAccessKey);
});
