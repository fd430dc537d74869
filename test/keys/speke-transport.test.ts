import t, { type Test } from 'tap';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import type { KeyRequest } from '../../src/keys/content-key.js';
import { startFaultServer, type FaultStep } from './speke-fault-server.js';

const REQ: KeyRequest = { contentId: 'fault-test', trackTypes: ['video', 'audio'], scheme: 'cenc' };
const FAST = { timeoutMs: 400, retries: 2, backoffBaseMs: 20, backoffMaxMs: 100 };

async function run(t: Test, steps: FaultStep[], transport = FAST, version: 1 | 2 = 2) {
  const server = await startFaultServer(steps);
  t.teardown(() => server.close());
  const client = new SpekeClient({ url: server.url, version, transport });
  const result = await client.getKeys(REQ).then((v) => ({ ok: v }), (e: unknown) => ({ err: e as Error & { code?: string; status?: number } }));
  await server.idle(); // the server has seen every connection end: its counts are final
  return { ...result, hits: server.hits(), abandoned: server.abandoned() };
}

// No clock in these tests: a client that never gives up hangs, and tap's per-test timeout fails it
// (a fresh options object per test: tap keeps state in the one it is given).
const hang = () => ({ timeout: 30_000 });

t.test('slow response: the attempt times out, the retry succeeds', hang(), async (t) => {
  const r = await run(t, ['slow', 'ok']);
  t.ok('ok' in r && r.ok.keys.length === 2, 'keys after retry');
  t.equal(r.hits, 2);
  t.equal(r.abandoned, 1, 'the client closed the slow attempt\'s connection itself (the server only answers after the retry arrives)');
});

t.test('a server that never answers: typed timeout after every retry, no hang', hang(), async (t) => {
  const r = await run(t, ['hang']);
  t.match(r, { err: { code: 'ERR_SPEKE_TIMEOUT', message: /after 3 attempts/ } });
  t.equal(r.hits, 3);
  t.equal(r.abandoned, 3, 'each timed-out attempt closed its connection (no socket left behind)');
});

t.test('500 then 200: success; 429 is retried too', async (t) => {
  const a = await run(t, [500, 'ok']);
  t.ok('ok' in a);
  t.equal(a.hits, 2);
  const b = await run(t, [429, 503, 'ok']);
  t.ok('ok' in b);
  t.equal(b.hits, 3);
});

t.test('persistent 5xx: typed error with the status after the retries', async (t) => {
  const r = await run(t, [502]);
  t.match(r, { err: { code: 'ERR_SPEKE_HTTP', status: 502, message: /HTTP 502 after 3 attempts: status 502 from the fault server/ } });
  t.equal(r.hits, 3);
});

t.test('403 and 404 are final at once: no retry', async (t) => {
  const a = await run(t, [403, 'ok']);
  t.match(a, { err: { code: 'ERR_SPEKE_AUTH', status: 403 } });
  t.equal(a.hits, 1);
  const b = await run(t, [404, 'ok']);
  t.match(b, { err: { code: 'ERR_SPEKE_HTTP', status: 404 } });
  t.equal(b.hits, 1);
});

t.test('connection reset then success; refused connection is a typed network error', async (t) => {
  const a = await run(t, ['reset', 'ok']);
  t.ok('ok' in a);
  const client = new SpekeClient({ url: 'http://127.0.0.1:9/speke', transport: { ...FAST, retries: 1 } });
  await t.rejects(client.getKeys(REQ), { code: 'ERR_SPEKE_NETWORK', message: /ECONNREFUSED/ });
});

const xmlBody = (text: string): FaultStep => (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/xml' }); res.end(text); };

t.test('malformed XML and billion laughs in a 200 answer: typed, not retried', async (t) => {
  const a = await run(t, [xmlBody('<cpix:CPIX><cpix:ContentKeyList>')]);
  t.match(a, { err: { code: 'ERR_CPIX_PARSE' } });
  t.equal(a.hits, 1);
  const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><CPIX id="fault-test">&c;</CPIX>';
  const b = await run(t, [xmlBody(laughs)]);
  t.match(b, { err: { code: 'ERR_CPIX_DOCTYPE' } });
});

t.test('a 50 MB body is cut off at the cap, with or without Content-Length', hang(), async (t) => {
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  const flood = (declare: boolean): FaultStep => (_req, _body, res) => {
    res.writeHead(200, declare ? { 'content-length': String(50 * chunk.length) } : {});
    let sent = 0;
    const pump = (): void => {
      while (sent < 50 && !res.destroyed) { sent++; if (!res.write(chunk)) { res.once('drain', pump); return; } }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => {});
    pump();
  };
  for (const declare of [true, false]) {
    const r = await run(t, [flood(declare)]);
    t.match(r, { err: { code: 'ERR_SPEKE_TOO_LARGE' } }, declare ? 'declared length' : 'chunked');
    t.equal(r.hits, 1, 'not retried');
    t.equal(r.abandoned, 1, 'the client hung up before the 50 MB were sent (it did not read them all)');
  }
});

t.test('server error text is truncated and opaque runs are redacted', async (t) => {
  const secretish = Buffer.alloc(32, 7).toString('base64');
  const r = await run(t, [(_q, _b, res) => { res.writeHead(400); res.end(`bad request, key=${secretish} ${'x'.repeat(500)}`); }]);
  t.match(r, { err: { code: 'ERR_SPEKE_HTTP', status: 400 } });
  const msg = 'err' in r ? r.err.message : '';
  t.notMatch(msg, secretish);
  t.match(msg, /\[redacted\]/);
  t.ok(msg.length < 400);
});
