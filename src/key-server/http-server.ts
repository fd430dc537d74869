import type * as http from 'node:http';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { contentIdProblem, deriveContentKey } from './key-derivation.js';
import { KeyDownloadTokens } from './key-download-token.js';
import { allowedHostSet, hostAllowed, isLoopbackHost } from './origin-guard.js';
import { secretBytes } from './server-secret.js';
import { answerSpekeRequest, RequestRejected } from './speke-answer.js';
import { answerClearKeyLicense } from './clearkey-license.js';
import { IssuedKeys, type IssuedKey } from './issued-keys.js';

export interface KeyServerOptions {
  /** 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. Any address beyond loopback needs `auth`. */
  host?: string;
  auth?: { basic?: { user: string; pass: string }; bearer?: string };
  /**
   * Keys derive from this: at least 32 random bytes, as a Buffer or hex/base64 text. Default:
   * random per process (keys then differ between runs).
   */
  secret?: string | Buffer;
  playReadyLaUrl?: string;
  /**
   * Serve keys to players: AES-128 HLS keys at GET /hls-key/<contentId>/<kid>?token=T and ClearKey
   * licenses at POST /clearkey/<contentId>?token=T, T being a per-content token the server puts in
   * the key URI and license URL it signals (not the SPEKE credential). Default true.
   */
  serveHlsKeys?: boolean;
  /**
   * Keys issued before this process started (content id and KID; the keys derive from the secret):
   * the license endpoint answers for these and for every key a SPEKE answer of this process issues.
   */
  issued?: IssuedKey[];
  /** Host header names served besides localhost, 127.0.0.1, ::1 and the listen host (DNS rebinding guard). */
  allowedHosts?: string[];
  /** Browser origins (`https://player.example`) allowed to call the server; default none. */
  allowedOrigins?: string[];
  /** PEM certificate chain and private key: the server speaks HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Open connections at most; default 256. */
  maxConnections?: number;
}

export interface KeyServer {
  url: string;
  port: number;
  /** The key download URI of one key, with its content's token (what SPEKE answers signal). */
  hlsKeyUri(contentId: string, kid: Buffer): string;
  /** The ClearKey license URL of one content id, with its token (what ClearKey's ContentProtectionData signals). */
  clearKeyLicenseUrl(contentId: string): string;
  /** Every (content id, KID) this server answers licenses for. */
  issuedKeys(): IssuedKey[];
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_MAX_CONNECTIONS = 256;
const USER_AGENT = 'segcrypt-key-server/0.1';

/**
 * The built-in SPEKE v1/v2 reference key server on node:http (node:https with `tls`).
 * `X-Speke-Version: 2.0` selects v2; no header is a v1 request. Any POST path is the SPEKE
 * endpoint. A development and test tool: see the README's SECURITY section.
 */
export async function startKeyServer(options: KeyServerOptions = {}): Promise<KeyServer> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret !== undefined ? secretBytes(options.secret, 'secret') : randomBytes(32);
  if (options.auth?.basic && options.auth.bearer) throw new UsageError('ERR_KEY_SERVER_AUTH', 'choose basic or bearer auth, not both', { where: 'auth' });
  const authOn = Boolean(options.auth?.basic || options.auth?.bearer);
  if (!authOn && !isLoopbackHost(host)) {
    throw new UsageError('ERR_KEY_SERVER_AUTH', `the key server listens beyond loopback (${host.slice(0, 64)}) only with --auth: without it anyone who reaches the port gets keys`, { where: '--host' });
  }
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new UsageError('ERR_KEY_SERVER_OPTIONS', 'maxConnections must be a positive integer', { where: 'maxConnections' });
  const hosts = allowedHostSet(host, options.allowedHosts);
  const origins = new Set(options.allowedOrigins ?? []);
  const tokens = new KeyDownloadTokens(secret);
  const serveHlsKeys = options.serveHlsKeys !== false;
  let baseUrl = '';
  const hlsKeyUri = (contentId: string, kid: Buffer): string => `${baseUrl}/hls-key/${encodeURIComponent(contentId)}/${kidToUuid(kid)}?token=${tokens.tokenFor(contentId)}`;
  const clearKeyLicenseUrl = (contentId: string): string => `${baseUrl}/clearkey/${encodeURIComponent(contentId)}?token=${tokens.tokenFor(contentId)}`;
  const issued = new IssuedKeys();
  for (const k of options.issued ?? []) issued.add(k.contentId, k.kid);

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch(() => send(req, res, 500, 'Internal key server error'));
  };
  let server: http.Server;
  // node:http(s) loaded here, not when the CLI bundle starts (every segcrypt run paid ~12 ms for them).
  const https = options.tls ? await import('node:https') : undefined;
  const { createServer } = await import('node:http');
  try {
    server = https && options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  } catch (e) {
    throw new UsageError('ERR_KEY_SERVER_TLS', 'the TLS certificate or key could not be used (PEM expected)', { where: '--tls-cert', cause: e });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // DNS rebinding: a page whose name now resolves to this machine still sends its own Host.
    if (!hostAllowed(req.headers.host, hosts)) return send(req, res, 421, 'Host not served by this key server (see --allowed-host)');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin)) return send(req, res, 403, 'Origin not allowed (see --allowed-origin)');
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type, x-speke-version', 'access-control-max-age': '600' });
        res.end();
        return;
      }
    }
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://x'); } catch { return send(req, res, 404, 'Not found'); }
    if (req.method === 'GET' && url.pathname.startsWith('/hls-key/')) return hlsKey(req, url, res);
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); return send(req, res, 405, 'SPEKE requests are POST'); }
    const denied = checkAuth(req);
    if (denied) {
      if (denied === 401) res.setHeader('www-authenticate', options.auth?.basic ? 'Basic realm="speke"' : 'Bearer');
      return send(req, res, denied, denied === 401 ? 'Missing credentials' : 'Invalid credentials');
    }
    if (url.pathname.startsWith('/clearkey/')) return license(req, url, res);
    const speke = req.headers['x-speke-version'];
    if (speke !== undefined && speke !== '2.0') return send(req, res, 422, 'Unsupported SPEKE version');
    const version = speke === '2.0' ? 2 : 1;
    const body = await readBody(req);
    if (body === undefined) return send(req, res, 413, `Request body over ${MAX_REQUEST_BYTES} bytes`);
    try {
      const xml = answerSpekeRequest(body, {
        version, secret, baseUrl, hlsKeyUri: serveHlsKeys ? hlsKeyUri : null,
        ...(serveHlsKeys ? { clearKeyLicenseUrl } : {}), onIssued: (contentId, kid) => issued.add(contentId, kid),
        ...(options.playReadyLaUrl ? { playReadyLaUrl: options.playReadyLaUrl } : {}),
      });
      res.setHeader('content-type', 'application/xml');
      if (version === 2) { res.setHeader('x-speke-user-agent', USER_AGENT); res.setHeader('x-speke-version', '2.0'); } else res.setHeader('speke-user-agent', USER_AGENT);
      res.writeHead(200);
      res.end(xml);
    } catch (e) {
      if (e instanceof RequestRejected) return send(req, res, e.status, e.reason);
      throw e;
    }
  }

  /** The content id of a key-delivery path segment, after its token is checked; undefined once refused. */
  function tokenedContentId(req: http.IncomingMessage, url: URL, res: http.ServerResponse, segment: string): string | undefined {
    let contentId: string;
    try { contentId = decodeURIComponent(segment); } catch { send(req, res, 404, 'Unknown key'); return undefined; }
    const problem = contentIdProblem(contentId);
    if (problem) { send(req, res, 400, `Content id ${problem}`); return undefined; }
    // Its own credential: a token for this content id only (the SPEKE credential is not asked for).
    if (!tokens.verify(contentId, url.searchParams.get('token'))) { send(req, res, 403, 'Missing or invalid key token for this content'); return undefined; }
    return contentId;
  }

  /** POST /clearkey/<content id>?token=T: the W3C ClearKey license exchange (clearkey-license.ts). */
  async function license(req: http.IncomingMessage, url: URL, res: http.ServerResponse): Promise<void> {
    if (!serveHlsKeys) return send(req, res, 404, 'Key delivery to players is off on this server');
    const m = /^\/clearkey\/([^/]+)$/.exec(url.pathname);
    if (!m) return send(req, res, 404, 'Not found');
    const contentId = tokenedContentId(req, url, res, m[1]!);
    if (contentId === undefined) return;
    const body = await readBody(req);
    if (body === undefined) return send(req, res, 413, `Request body over ${MAX_REQUEST_BYTES} bytes`);
    try {
      const json = answerClearKeyLicense(body, {
        contentId, isIssued: (id, kid) => issued.has(id, kid), keyFor: (id, kid) => deriveContentKey(secret, id, kid),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(json);
    } catch (e) {
      if (e instanceof RequestRejected) return send(req, res, e.status, e.reason);
      throw e;
    }
  }

  function hlsKey(req: http.IncomingMessage, url: URL, res: http.ServerResponse): void {
    if (!serveHlsKeys) return send(req, res, 404, 'HLS key download is off on this server');
    const m = /^\/hls-key\/([^/]+)\/([0-9a-fA-F-]{32,36})$/.exec(url.pathname);
    const hex = m?.[2]!.replace(/-/g, '');
    if (!m || hex!.length !== 32) return send(req, res, 404, 'Unknown key');
    const contentId = tokenedContentId(req, url, res, m[1]!);
    if (contentId === undefined) return;
    const key = deriveContentKey(secret, contentId, Buffer.from(hex!, 'hex'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
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

  // Slow clients cannot hold a connection forever, nor can many clients hold them all.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${baseUrl}/speke/copyProtection`,
    port,
    hlsKeyUri,
    clearKeyLicenseUrl,
    issuedKeys: () => issued.list(),
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

/**
 * A refusal closes the connection once sent: the rest of the request body, however large it
 * says it is, is never read (an unauthenticated client cannot make the server drain an upload).
 */
function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, reason: string): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.on('finish', () => req.socket.destroy());
  res.end(reason);
}
