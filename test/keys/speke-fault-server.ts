import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerSpekeRequest } from '../../src/key-server/speke-answer.js';

export type FaultStep = 'ok' | 'slow' | 'hang' | 'reset' | number | ((req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void);

/**
 * A loopback SPEKE server that misbehaves on purpose, one scripted step per request (the last
 * step repeats). 'ok' answers like the reference server; a number answers that status; 'slow'
 * answers only once the next request has arrived, i.e. after the client gave up on this one;
 * 'hang' never answers.
 *
 * `abandoned()` counts responses the client walked away from (the connection closed before the
 * response was fully sent): what a timeout or a size cap must do, observed on the wire instead of
 * timed with a clock.
 */
export interface FaultServer {
  url: string;
  hits(): number;
  abandoned(): number;
  /** Resolves once every response so far has closed (finished or abandoned): then the counts are final. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultServer(steps: FaultStep[], secret = 'fault-secret'): Promise<FaultServer> {
  let hits = 0;
  let abandoned = 0;
  let open = 0;
  let waiters: (() => void)[] = [];
  const pendingSlow: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    open++;
    res.on('close', () => {
      if (!res.writableFinished) abandoned++;
      if (--open === 0) { for (const w of waiters) w(); waiters = []; }
    });
    for (const late of pendingSlow.splice(0)) late();
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
      else if (step === 'slow') pendingSlow.push(() => { if (!res.destroyed) ok(); });
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
    abandoned: () => abandoned,
    idle: () => open === 0 ? Promise.resolve() : new Promise<void>((r) => { waiters.push(r); }),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
