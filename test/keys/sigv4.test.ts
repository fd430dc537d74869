import t from 'tap';
import { createSigV4Signer } from '../../src/keys/speke/sigv4.js';
import { referenceSignature, signingKey } from './sigv4-reference.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = () => new Date('2015-08-30T12:36:00Z');

t.test('the reference derivation reproduces the AWS documented signing key', async (t) => {
  // AWS General Reference example: 20120215 / us-east-1 / iam.
  t.equal(signingKey(CREDS.secretAccessKey, '20120215', 'us-east-1', 'iam').toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
});

t.test('AWS SigV4 test suite "get-vanilla" through our signer', async (t) => {
  const sign = createSigV4Signer({ region: 'us-east-1', service: 'service', credentials: CREDS, now: NOW });
  const h = await sign({ method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' });
  t.equal(h['x-amz-date'], '20150830T123600Z');
  t.equal(h.authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
});

t.test('a SPEKE POST to API Gateway (execute-api) with a session token matches the hand derivation', async (t) => {
  const creds = { ...CREDS, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };
  const sign = createSigV4Signer({ region: 'eu-west-1', credentials: creds, now: NOW });
  const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/speke/v2.0/copyProtection');
  const body = '<cpix:CPIX contentId="abc123" version="2.3"/>';
  const h = await sign({ method: 'POST', url, headers: { 'Content-Type': 'application/xml', 'X-Speke-Version': '2.0', 'content-length': String(body.length) }, body });
  t.equal(h['x-amz-security-token'], creds.sessionToken);
  const { signedHeaders, signature } = referenceSignature({
    method: 'POST', path: url.pathname, body,
    headers: {
      'content-length': String(body.length), 'content-type': 'application/xml', host: url.host,
      'x-amz-date': '20150830T123600Z', 'x-amz-security-token': creds.sessionToken, 'x-speke-version': '2.0',
    },
  }, CREDS.secretAccessKey, '20150830T123600Z', 'eu-west-1', 'execute-api');
  t.equal(h.authorization, `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/execute-api/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`);
  // Negative twin: another secret gives another signature.
  const other = referenceSignature({ method: 'POST', path: url.pathname, body, headers: { host: url.host } }, 'x', '20150830T123600Z', 'eu-west-1', 'execute-api');
  t.not(other.signature, signature);
});

t.test('the CRT signer is loaded lazily; when absent the error says what to install', async (t) => {
  const sign = createSigV4Signer({ region: 'us-east-1', credentials: CREDS, signer: 'crt', now: NOW, importModule: async () => { throw Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }); } });
  await t.rejects(sign({ method: 'POST', url: new URL('https://x.example/'), headers: {}, body: '' }), { code: 'ERR_SIGV4_CRT_MISSING', message: /@aws-sdk\/signature-v4-crt/ });
  const sigv4a = createSigV4Signer({ region: 'us-east-1', credentials: CREDS, sigv4a: true, importModule: async () => { throw Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }); } });
  await t.rejects(sigv4a({ method: 'POST', url: new URL('https://x.example/'), headers: {}, body: '' }), { code: 'ERR_SIGV4_CRT_MISSING', message: /SigV4a/ });
});

// Absent optional package: a skip that says so, never a pass.
const crtMissing: string | false = await import('@aws-sdk/signature-v4-crt').then(() => false,
  (e: unknown) => `optional @aws-sdk/signature-v4-crt not installed (${(e as { code?: string }).code ?? 'import failed'}): nothing to compare`);

t.test('when installed, the CRT signer agrees with the pure JS signer', { skip: crtMissing }, async (t) => {
  const req = { method: 'POST', url: new URL('https://abc.execute-api.us-east-1.amazonaws.com/speke'), headers: { 'content-type': 'application/xml' }, body: '<x/>' };
  const js = await createSigV4Signer({ region: 'us-east-1', credentials: CREDS, now: NOW })(req);
  const crt = await createSigV4Signer({ region: 'us-east-1', credentials: CREDS, signer: 'crt', now: NOW })(req);
  const sig = (h: Record<string, string>) => /Signature=([0-9a-f]+)/.exec(h.authorization ?? h.Authorization ?? '')?.[1];
  t.ok(sig(js));
  t.equal(sig(crt), sig(js));
});
