/**
 * Issue 19 measurement (loopback only): a SPEKE request of N ContentKeys (0 = as many as fit in
 * 1 MiB), sent whole but for its last byte; prints how long after the last byte the server
 * answered and how long a GET /hls-key sent right behind it took.
 *   node --import tsx bench/key-server-attack.ts [repo root] [keys] [runs]
 * The repo root lets the same script measure another checkout (e.g. `git archive` of an older commit).
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
const [root = new URL('..', import.meta.url).pathname, nArg = '0', runsArg = '5'] = process.argv.slice(2);
const { startKeyServer } = await import(`${root}/src/key-server/http-server.ts`);
const n = Number(nArg); const runs = Number(runsArg);
const kid = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
function body(): Buffer {
  const head = '<cpix:CPIX id="attack" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>';
  const parts = [head]; let size = head.length + 40;
  for (let i = 0; n > 0 ? i < n : true; i++) { const k = `<cpix:ContentKey kid="${kid(i)}"/>`; if (size + k.length > 1024 * 1024) break; parts.push(k); size += k.length; }
  parts.push('</cpix:ContentKeyList></cpix:CPIX>');
  return Buffer.from(parts.join(''));
}
const b = body();
const secret = '0d9c8b7a695847362514f3e2d1c0b9a8f7e6d5c4b3a29180716253443526170f';
const server = await startKeyServer({ secret, auth: { bearer: 't' } });
const uri = server.hlsKeyUri ? new URL(server.hlsKeyUri('m', Buffer.alloc(16, 1))) : new URL(`http://127.0.0.1:${server.port}/hls-key/m/${'01'.repeat(16)}`);
const get = () => new Promise<number>((resolve) => { const t0 = performance.now(); http.get({ host: '127.0.0.1', port: server.port, path: uri.pathname + uri.search, agent: false, headers: { authorization: 'Bearer t' } }, (r) => { r.resume(); r.on('end', () => resolve(performance.now() - t0)); }); });
for (let r = 0; r < runs; r++) {
  const s = net.connect(server.port, '127.0.0.1');
  await new Promise((res) => s.on('connect', res));
  let firstByte = 0; let status = '';
  const done = new Promise<void>((res) => { s.on('data', (d) => { if (!firstByte) { firstByte = performance.now(); status = d.toString('latin1').split('\r\n')[0]!; } }); s.on('close', () => res()); });
  s.write(`POST /speke HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer t\r\nconnection: close\r\ncontent-length: ${b.length}\r\n\r\n`);
  s.write(b.subarray(0, b.length - 1));
  await new Promise((res) => setTimeout(res, 200));
  const t0 = performance.now();
  s.end(b.subarray(b.length - 1));
  const behind = get();
  await done;
  const g = await behind;
  console.log(`${b.length} bytes: ${status} ${(firstByte - t0).toFixed(1)} ms after the last byte; GET /hls-key sent right after it answered in ${g.toFixed(1)} ms`);
}
await server.close();
