/**
 * The page server of `segcrypt serve` (node:http, 127.0.0.1 only: EME needs a secure context, and
 * loopback is one): the page, its script, /packages.json, the two player builds, and the package
 * files under /pkg/<name>/ (manifests through `rewrite`). GET and HEAD only; paths cannot leave
 * the folder; a Host that is not loopback is refused (DNS rebinding).
 */
import type * as http from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { allowedHostSet, hostAllowed } from '../key-server/origin-guard.js';
import { listPackages, type ManifestRewrite } from './package-folder.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { PlayerLibs } from './player-libs.js';

export interface PageServerOptions {
  dir: string;
  port: number;
  libs: PlayerLibs;
  rewrite: ManifestRewrite;
  /** One line for the page about the key server in use. */
  keyServerNote: string;
}

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.mpd': 'application/dash+xml', '.m3u8': 'application/vnd.apple.mpegurl', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4', '.m4v': 'video/mp4', '.ts': 'video/mp2t', '.aac': 'audio/aac', '.vtt': 'text/vtt',
};
const MANIFESTS = new Set(['.mpd', '.m3u8']);

export async function startPageServer(o: PageServerOptions): Promise<PageServer> {
  const hosts = allowedHostSet('127.0.0.1');
  const root = normalize(o.dir);
  const fixed: Record<string, { type: string; body: () => Promise<string | Buffer> }> = {
    '/': { type: 'text/html; charset=utf-8', body: async () => PAGE_HTML },
    '/page.js': { type: 'text/javascript; charset=utf-8', body: async () => PAGE_SCRIPT },
    '/packages.json': { type: 'application/json', body: async () => JSON.stringify({ dir: o.dir, keyServer: o.keyServerNote, packages: await listPackages(o.dir, o.rewrite) }) },
    '/lib/shaka-player.compiled.js': { type: 'text/javascript; charset=utf-8', body: () => readFile(o.libs.shaka) },
    '/lib/hls.min.js': { type: 'text/javascript; charset=utf-8', body: () => readFile(o.libs.hlsjs) },
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, hosts)) return plain(res, 421, 'Host not served (loopback only)');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('allow', 'GET, HEAD'); return plain(res, 405, 'GET only'); }
    let path: string;
    try { path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname); } catch { return plain(res, 400, 'Bad path'); }
    const f = fixed[path === '/index.html' ? '/' : path];
    if (f) return send(req, res, 200, f.type, await f.body());
    if (!path.startsWith('/pkg/')) return plain(res, 404, 'Not found');
    const file = normalize(join(root, path.slice('/pkg/'.length)));
    // Only files inside a package folder: never the folder's own files (key-server.secret) nor hidden ones.
    if (!file.startsWith(root + sep) || !file.slice(root.length + 1).includes(sep) || file.includes(`${sep}.`)) return plain(res, 404, 'Not found');
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return plain(res, 404, 'Not found');
    const ext = extname(file).toLowerCase();
    const type = TYPES[ext] ?? 'application/octet-stream';
    if (MANIFESTS.has(ext)) return send(req, res, 200, type, o.rewrite(await readFile(file, 'utf8')));
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
    if (range && start > end) { res.writeHead(416, { 'content-range': `bytes */${st.size}` }); res.end(); return; }
    res.writeHead(range ? 206 : 200, {
      'content-type': type, 'content-length': String(end - start + 1), 'accept-ranges': 'bytes', 'cache-control': 'no-store',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${st.size}` } : {}),
    });
    if (req.method === 'HEAD' || st.size === 0) { res.end(); return; }
    createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
  }

  const { createServer } = await import('node:http'); // not at CLI start (see key-server/http-server.ts)
  const server = createServer((req, res) => {
    handle(req, res).catch(() => { if (!res.headersSent) plain(res, 500, 'Internal error'); else res.destroy(); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
