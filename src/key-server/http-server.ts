import http from 'node:http';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { deriveContentKey } from './key-derivation.js';
import { answerSpekeRequest, RequestRejected } from './speke-answer.js';

export interface KeyServerOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  auth?: { basic?: { user: string; pass: string }; bearer?: string };
  /** Keys derive from this; default: random per process (keys then differ between runs). */
  secret?: string;
  playReadyLaUrl?: string;
  /** Serve AES-128 HLS keys at GET /hls-key/<contentId>/<kid> (a test convenience; behind `auth` when set). Default true. */
  serveHlsKeys?: boolean;
}

export interface KeyServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const USER_AGENT = 'segcrypt-key-server/0.1';

/**
 * The built-in SPEKE v1/v2 reference key server on node:http. `X-Speke-Version: 2.0` selects
 * v2; no header is a v1 request. Any POST path is the SPEKE endpoint.
 */
export async function startKeyServer(options: KeyServerOptions = {}): Promise<KeyServer> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret !== undefined ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
  if (options.auth?.basic && options.auth.bearer) throw new UsageError('ERR_KEY_SERVER_AUTH', 'choose basic or bearer auth, not both', { where: 'auth' });
  let baseUrl = '';
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, 'Internal key server error'));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const keyDownload = req.method === 'GET' && path.startsWith('/hls-key/') && options.serveHlsKeys !== false;
    if (!keyDownload && req.method !== 'POST') { res.setHeader('allow', 'POST'); return send(res, 405, 'SPEKE requests are POST'); }
    // The key download hands out content keys: it is behind the same credentials as SPEKE itself.
    const denied = checkAuth(req);
    if (denied) {
      if (denied === 401) res.setHeader('www-authenticate', options.auth?.basic ? 'Basic realm="speke"' : 'Bearer');
      req.resume();
      return send(res, denied, denied === 401 ? 'Missing credentials' : 'Invalid credentials');
    }
    if (keyDownload) return hlsKey(path, res);
    const speke = req.headers['x-speke-version'];
    if (speke !== undefined && speke !== '2.0') { req.resume(); return send(res, 422, 'Unsupported SPEKE version'); }
    const version = speke === '2.0' ? 2 : 1;
    const body = await readBody(req);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      send(res, 413, `Request body over ${MAX_REQUEST_BYTES} bytes`);
      res.on('finish', () => req.socket.destroy());
      return;
    }
    try {
      const xml = answerSpekeRequest(body, { version, secret, baseUrl, ...(options.playReadyLaUrl ? { playReadyLaUrl: options.playReadyLaUrl } : {}) });
      res.setHeader('content-type', 'application/xml');
      if (version === 2) { res.setHeader('x-speke-user-agent', USER_AGENT); res.setHeader('x-speke-version', '2.0'); } else res.setHeader('speke-user-agent', USER_AGENT);
      res.writeHead(200);
      res.end(xml);
    } catch (e) {
      if (e instanceof RequestRejected) return send(res, e.status, e.reason);
      throw e;
    }
  }

  function hlsKey(path: string, res: http.ServerResponse): void {
    const m = /^\/hls-key\/([^/]+)\/([0-9a-fA-F-]{32,36})$/.exec(path);
    const hex = m?.[2]!.replace(/-/g, '');
    if (!m || hex!.length !== 32) return send(res, 404, 'Unknown key');
    const key = deriveContentKey(secret, decodeURIComponent(m[1]!), Buffer.from(hex!, 'hex'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
    res.end(key);
  }

  function checkAuth(req: http.IncomingMessage): 0 | 401 | 403 {
    const a = options.auth;
    if (!a || (!a.basic && a.bearer === undefined)) return 0;
    const got = req.headers.authorization;
    if (!got) return 401;
    const expected = a.basic ? `Basic ${Buffer.from(`${a.basic.user}:${a.basic.pass}`, 'utf8').toString('base64')}` : `Bearer ${a.bearer}`;
    // Compare digests so the comparison is constant-time whatever the lengths.
    const h = (s: string): Buffer => createHash('sha256').update(s).digest();
    return timingSafeEqual(h(got), h(expected)) ? 0 : 403;
  }

  // Slow clients cannot hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${baseUrl}/speke/copyProtection`,
    port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The body, or undefined once it passes the cap (then the rest is not read: the socket is closed after the 413). */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, reason: string): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(reason);
}
