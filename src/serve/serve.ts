/**
 * `segcrypt serve`: a folder of packages, a page that plays them, and the key server they need.
 * Packages made with the built-in key server (the demo's: a key-server.json record beside them)
 * get that server again, started here with the recorded secret and issued keys; license URLs and
 * key URIs in their manifests are pointed at it as they are served. Or `keyServerUrl` names a
 * running one. The server stays a development and test tool: keys derive from its secret.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { startKeyServer, type KeyServer } from '../key-server/index.js';
import { readKeyServerRecord, SECRET_FILE } from './key-server-record.js';
import { listPackages } from './package-folder.js';
import { startPageServer, type PageServer } from './page-server.js';
import { resolvePlayerLibs } from './player-libs.js';

export interface ServeOptions {
  dir: string;
  /** 0 = any free port. */
  port: number;
  /** A key server already running (its license URLs and key URIs replace the recorded ones). */
  keyServerUrl?: string;
}

export interface Serving {
  url: string;
  /** The key server started here, if any. */
  keyServer?: KeyServer;
  /** One line saying which key server answers. */
  keyServerNote: string;
  /** Packages found at start (the page lists the folder again on each load). */
  packages: number;
  close(): Promise<void>;
}

export async function startServe(o: ServeOptions): Promise<Serving> {
  const dir = resolve(o.dir);
  const libs = resolvePlayerLibs();
  let liveOrigin: string | undefined;
  if (o.keyServerUrl !== undefined) {
    try { liveOrigin = new URL(o.keyServerUrl).origin; } catch { liveOrigin = undefined; }
    if (!liveOrigin || !/^https?:/.test(liveOrigin)) throw new UsageError('ERR_CLI_ARGS', '--key-server must be an http(s) URL', { where: '--key-server' });
  }
  const record = await readKeyServerRecord(dir);
  let keyServer: KeyServer | undefined;
  let note = record ? '' : 'No key-server.json in this folder: license URLs and key URIs are used as the manifests name them.';
  const rewrite = (text: string): string => (record && liveOrigin && liveOrigin !== record.origin ? text.split(record.origin).join(liveOrigin) : text);
  const packages = (await listPackages(dir, rewrite)).length;
  // The page server first: its origin is the one the key server must let the browser in from.
  const page: PageServer = await startPageServer({ dir, port: o.port, libs, rewrite, get keyServerNote() { return note; } });
  try {
    if (liveOrigin) {
      note = `Key server: ${liveOrigin} (--key-server; start it with --allowed-origin ${page.origin})${record ? `; manifests' ${record.origin} is served as ${liveOrigin}` : ''}.`;
    } else if (record) {
      const localhost = page.origin.replace('127.0.0.1', 'localhost');
      keyServer = await startKeyServer({ host: '127.0.0.1', port: 0, secret: record.secret, issued: record.issued, allowedOrigins: [page.origin, localhost] });
      liveOrigin = new URL(keyServer.url).origin;
      note = `Key server: the built-in one, started by segcrypt serve at ${liveOrigin} with the secret in ${SECRET_FILE} (development and tests only, not production licenses): ClearKey licenses at /clearkey/<content id>, HLS keys at /hls-key/<content id>/<KID>.`;
    }
  } catch (e) {
    await page.close();
    throw e;
  }
  return {
    url: `${page.origin}/`,
    ...(keyServer ? { keyServer } : {}),
    keyServerNote: note,
    packages,
    close: async () => { await page.close(); await keyServer?.close(); },
  };
}
