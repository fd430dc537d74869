import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { referenceSignature } from '../keys/sigv4-reference.js';

/**
 * An API-Gateway-like SPEKE endpoint on loopback that verifies SigV4 with the independent
 * reference derivation (403 on mismatch, like IAM authorization).
 */
async function sigv4Gateway(secrets: Record<string, string>, region: string) {
  const seen: { accessKeyId?: string; token?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
      const secret = m ? secrets[m[1]!] : undefined;
      seen.push({ accessKeyId: m?.[1], token: req.headers['x-amz-security-token'] as string | undefined });
      let ok = false;
      if (m && secret && m[3] === region && m[4] === 'execute-api') {
        const headers: Record<string, string> = {};
        for (const h of m[5]!.split(';')) headers[h] = String(req.headers[h] ?? '');
        const ref = referenceSignature({ method: req.method!, path: new URL(req.url!, 'http://x').pathname, headers, body: body.toString() }, secret, String(req.headers['x-amz-date']), region, 'execute-api');
        ok = ref.signature === m[6] && ref.signedHeaders === m[5];
      }
      if (!ok) { res.writeHead(403); res.end('{"message":"The request signature we calculated does not match the signature you provided."}'); return; }
      res.writeHead(200, { 'content-type': 'application/xml', 'x-speke-version': '2.0' });
      res.end(answerSpekeRequest(body, { version: 2, secret: Buffer.from('gw'), baseUrl: 'http://x' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/speke/v2.0/copyProtection`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const REQ = { contentId: 'sig-1', trackTypes: ['video' as const], scheme: 'cenc' as const };

t.test('SigV4 with fixed credentials: accepted; a wrong secret is ERR_SPEKE_AUTH', async (t) => {
  const gw = await sigv4Gateway({ AKIDEXAMPLE: 'right-secret' }, 'us-west-2');
  t.teardown(() => gw.close());
  const good = new SpekeClient({ url: gw.url, auth: { type: 'sigv4', region: 'us-west-2', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'right-secret' } } });
  t.equal((await good.getKeys(REQ)).keys.length, 1);
  const bad = new SpekeClient({ url: gw.url, auth: { type: 'sigv4', region: 'us-west-2', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wrong-secret' } } });
  await t.rejects(bad.getKeys(REQ), { code: 'ERR_SPEKE_AUTH', status: 403, message: /signature we calculated does not match/ });
  const region = new SpekeClient({ url: gw.url, auth: { type: 'sigv4', region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'right-secret' } } });
  await t.rejects(region.getKeys(REQ), { code: 'ERR_SPEKE_AUTH' }, 'signed for another region');
});

t.test('assumed role: STS AssumeRole with RoleArn and ExternalId (loopback STS), then SigV4 with the session credentials', async (t) => {
  let stsBody = '';
  const sts = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stsBody = Buffer.concat(chunks).toString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>ASIATEMPEXAMPLE</AccessKeyId><SecretAccessKey>temp-secret</SecretAccessKey><SessionToken>temp-session-token</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/speke/segcrypt-speke</Arn>
<AssumedRoleId>AROAEXAMPLE:segcrypt-speke</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((r) => sts.listen(0, '127.0.0.1', r));
  const gw = await sigv4Gateway({ ASIATEMPEXAMPLE: 'temp-secret' }, 'us-east-1');
  const saved = { ...process.env };
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBASEEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'base-secret';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  t.teardown(async () => { process.env = saved; await gw.close(); await new Promise<void>((r) => sts.close(() => r())); });
  const client = new SpekeClient({
    url: gw.url,
    auth: { type: 'sigv4', region: 'us-east-1', roleArn: 'arn:aws:iam::111122223333:role/speke', externalId: 'ext-42', stsEndpoint: `http://127.0.0.1:${(sts.address() as AddressInfo).port}` },
  });
  t.equal((await client.getKeys(REQ)).keys.length, 1);
  const params = new URLSearchParams(stsBody);
  t.equal(params.get('Action'), 'AssumeRole');
  t.equal(params.get('RoleArn'), 'arn:aws:iam::111122223333:role/speke');
  t.equal(params.get('ExternalId'), 'ext-42');
  t.same(gw.seen.at(-1), { accessKeyId: 'ASIATEMPEXAMPLE', token: 'temp-session-token' });
});
