/**
 * Issue 19, load (loopback only, bounded): 200 concurrent authenticated SPEKE requests of 50 keys
 * each are all answered with the right keys, and a maximal-size malicious request (1 MiB of
 * ContentKeys) is refused while GET /hls-key stays responsive. Times are printed as diagnostics
 * (house rule: no timing asserts); what is asserted is correctness, the refusal and that the key
 * download completes while the bad request is in flight.
 */
import t from 'tap';
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { parseCpix } from '../../src/keys/cpix/parse-cpix.js';
import { kidUuid, rawRequest, v1Request } from './attack-requests.js';

const SECRET = Buffer.from('0d9c8b7a695847362514f3e2d1c0b9a8f7e6d5c4b3a29180716253443526170f', 'hex');
const AUTH = { authorization: 'Bearer load-token', 'content-type': 'application/xml' };

/** The content key, from RFC 5869 written out with HMAC-SHA256 (empty salt = 32 zero bytes), as the README documents it. */
function expectedKey(contentId: string, kidHex: string): Buffer {
  const id = Buffer.from(contentId, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(id.length);
  const info = Buffer.concat([Buffer.from('segcrypt content key v2\u0000'), len, id, Buffer.from(kidHex, 'hex')]);
  const prk = createHmac('sha256', Buffer.alloc(32)).update(SECRET).digest();
  return createHmac('sha256', prk).update(info).update(Buffer.from([1])).digest().subarray(0, 16);
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
function percentile(sorted: number[], p: number): number { return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!; }

t.test('200 concurrent authenticated SPEKE requests of 50 keys each: all answered with the right keys', async (t) => {
  const server = await startKeyServer({ secret: SECRET, auth: { bearer: 'load-token' } });
  t.teardown(() => server.close());
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const t0 = performance.now();
    const res = await rawRequest(server.port, 'POST', '/speke/copyProtection', AUTH, v1Request(50, `load-${i}`));
    return { i, res, ms: performance.now() - t0 };
  }));
  const wall = performance.now() - started;
  let wrong = 0;
  for (const { i, res } of results) {
    if (res.status !== 200) { wrong++; continue; }
    const doc = parseCpix(res.body);
    const kids = doc.contentKeys.map((k) => k.kid.toString('hex'));
    const want = Array.from({ length: 50 }, (_, k) => kidUuid(k).replace(/-/g, ''));
    if (doc.id !== `load-${i}` || kids.join() !== want.join() || doc.drmSystems.length !== 200) { wrong++; continue; }
    if (!doc.contentKeys.every((k) => k.plainValue?.equals(expectedKey(`load-${i}`, k.kid.toString('hex'))))) wrong++;
  }
  t.equal(results.filter((r) => r.res.status === 200).length, 200, 'every request answered 200');
  t.equal(wrong, 0, 'every answer: its content id, its 50 KIDs in order, 200 DRMSystems, and keys equal to the RFC 5869 derivation');
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  t.comment(`200 x 50 keys: wall ${ms(wall)}; per request p50 ${ms(percentile(sorted, 0.5))}, p95 ${ms(percentile(sorted, 0.95))}, max ${ms(sorted.at(-1)!)}`);
});

/** The largest body the server reads: ContentKeys with distinct KIDs up to just under 1 MiB. */
function maximalRequest(): Buffer {
  const head = '<cpix:CPIX id="attack" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>';
  const tail = '</cpix:ContentKeyList></cpix:CPIX>';
  const parts: string[] = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const k = `<cpix:ContentKey kid="${kidUuid(i)}"/>`;
    if (size + k.length > 1024 * 1024) break;
    parts.push(k);
    size += k.length;
  }
  parts.push(tail);
  return Buffer.from(parts.join(''));
}

interface Started { socket: net.Socket; response: Promise<{ statusLine: string; at: number }> }

/** Headers and all but the last `holdBack` bytes of the body; the rest later with `finish`. */
function startRequest(port: number, body: Buffer, holdBack: number): Started {
  const socket = net.connect(port, '127.0.0.1');
  const response = new Promise<{ statusLine: string; at: number }>((resolve, reject) => {
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n');
      if (end >= 0) resolve({ statusLine: got.slice(0, end), at: performance.now() });
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ statusLine: got.split('\r\n')[0] ?? '(closed)', at: performance.now() }));
  });
  socket.write(`POST /speke HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer load-token\r\ncontent-type: application/xml\r\ncontent-length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, body.length - holdBack));
  return { socket, response };
}

t.test('a maximal-size malicious request is refused while GET /hls-key stays responsive', async (t) => {
  const server = await startKeyServer({ secret: SECRET, auth: { bearer: 'load-token' } });
  t.teardown(() => server.close());
  const body = maximalRequest();
  const keyCount = (body.toString().match(/<cpix:ContentKey /g) ?? []).length;
  const kid = Buffer.from(kidUuid(7).replace(/-/g, ''), 'hex');
  const keyUri = new URL(server.hlsKeyUri('movie-under-attack', kid));
  const getKey = async (): Promise<{ status: number; key: Buffer; ms: number }> => {
    const t0 = performance.now();
    const r = await rawRequest(server.port, 'GET', keyUri.pathname + keyUri.search);
    return { status: r.status, key: r.body, ms: performance.now() - t0 };
  };

  // 1. The bad request is in flight (all but its last KiB sent): the key download completes meanwhile.
  const bad = startRequest(server.port, body, 1024);
  const during = await getKey();
  let badDone = false;
  void bad.response.then(() => { badDone = true; });
  t.equal(during.status, 200, 'GET /hls-key answered while the malicious request is in flight');
  t.same(during.key, expectedKey('movie-under-attack', kid.toString('hex')), 'with the right key');
  t.notOk(badDone, 'the malicious request had not been answered yet');
  const lastByte = performance.now();
  bad.socket.write(body.subarray(body.length - 1024));
  const refused = await bad.response;
  bad.socket.destroy();
  t.equal(refused.statusLine, 'HTTP/1.1 413 Payload Too Large', `refused: ${keyCount} ContentKeys in ${body.length} bytes`);

  // 2. The whole bad request at once, the key download right behind it.
  const bad2 = startRequest(server.port, body, 0);
  const sent2 = performance.now();
  const behind = await getKey();
  const refused2 = await bad2.response;
  bad2.socket.destroy();
  t.equal(refused2.statusLine, 'HTTP/1.1 413 Payload Too Large');
  t.equal(behind.status, 200, 'the key download right behind it is answered');
  t.comment(`maximal request (${keyCount} keys, ${body.length} bytes): 413 ${ms(refused.at - lastByte)} after its last byte; `
    + `GET /hls-key while it was in flight ${ms(during.ms)}; sent at once: 413 after ${ms(refused2.at - sent2)}, GET /hls-key behind it ${ms(behind.ms)}`);
});
