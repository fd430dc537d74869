import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';

export type FaultStep = 'ok' | 'slow' | 'hang' | 'reset' | number | ((req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void);

/**
 * A loopback SPEKE server that misbehaves on purpose, one scripted step per request (the last
 * step repeats). 'ok' answers like the reference server; a number answers that status.
 */
export async function startFaultServer(steps: FaultStep[], secret = 'fault-secret'): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const step = steps[Math.min(hits, steps.length - 1)]!;
      hits++;
      const body = Buffer.concat(chunks);
      const ok = (): void => {
        const xml = answerSpekeRequest(body, { version: req.headers['x-speke-version'] === '2.0' ? 2 : 1, secret: Buffer.from(secret), baseUrl: 'http://127.0.0.1' });
        res.writeHead(200, { 'content-type': 'application/xml', 'x-speke-version': '2.0' });
        res.end(xml);
      };
      if (typeof step === 'function') step(req, body, res);
      else if (step === 'ok') ok();
      else if (step === 'slow') setTimeout(() => { if (!res.destroyed) ok(); }, 1500).unref();
      else if (step === 'hang') { /* never answer */ }
      else if (step === 'reset') req.socket.destroy();
      else { res.writeHead(step, { 'content-type': 'text/plain' }); res.end(`status ${step} from the fault server`); }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/speke`,
    hits: () => hits,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
