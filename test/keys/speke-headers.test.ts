// SPEKE request headers: v2 sends X-Speke-Version: 2.0, both versions X-Speke-User-Agent; v1 sends no version header.
import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { SpekeClient } from '../../src/keys/index.js';

t.test('v1 and v2 request headers', async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => { seen.push(req.headers); req.resume(); req.on('end', () => { res.statusCode = 400; res.end('captured'); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/speke`;
  for (const version of [1, 2] as const) {
    const client = new SpekeClient({ url, version, transport: { retries: 0 } });
    const err = await client.getKeys({ contentId: 'c', trackTypes: ['video'], scheme: 'cenc' }).then(() => undefined, (e: { status?: number }) => e);
    t.equal(err?.status, 400, `v${version}: the server's 400 reaches the caller`);
  }
  t.equal(seen.length, 2);
  t.equal(seen[0]!['x-speke-version'], undefined, 'v1: no X-Speke-Version');
  t.equal(seen[1]!['x-speke-version'], '2.0', 'v2: X-Speke-Version: 2.0');
  for (const h of seen) {
    t.match(h['x-speke-user-agent'], /\S/, 'X-Speke-User-Agent sent');
    t.match(h['content-type'], /xml/);
  }
});
