/**
 * What `segcrypt serve` needs to know about a folder of packages made with the built-in key
 * server (the demo's): where that server listened (the origin baked into license URLs and key
 * URIs), the file holding its secret (keys derive from it), and which (content id, KID) pairs it
 * issued. Written next to the packages as `key-server.json`; the secret file is mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { IoError } from '../errors.js';
import type { IssuedKey } from '../key-server/index.js';
import { readSecretFile } from '../key-server/index.js';

export const RECORD_FILE = 'key-server.json';
export const SECRET_FILE = 'key-server.secret';

export interface KeyServerRecord {
  /** The origin (scheme://host:port) the packages' license URLs and key URIs name. */
  origin: string;
  secret: Buffer;
  issued: IssuedKey[];
}

interface RecordJson { origin: string; secretFile: string; issued: { contentId: string; kid: string }[] }

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export async function writeKeyServerRecord(dir: string, r: KeyServerRecord): Promise<void> {
  await writeAtomic(join(dir, SECRET_FILE), `${r.secret.toString('hex')}\n`, 0o600);
  const json: RecordJson = { origin: r.origin, secretFile: SECRET_FILE, issued: r.issued.map((k) => ({ contentId: k.contentId, kid: k.kid.toString('hex') })) };
  await writeAtomic(join(dir, RECORD_FILE), `${JSON.stringify(json, null, 2)}\n`, 0o644);
}

/** The record of `dir`, or undefined when it has none (packages from another key server). */
export async function readKeyServerRecord(dir: string): Promise<KeyServerRecord | undefined> {
  let text: string;
  try { text = await readFile(join(dir, RECORD_FILE), 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IoError('ERR_SERVE_RECORD', `cannot read ${join(dir, RECORD_FILE)}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: RECORD_FILE, cause: e });
  }
  const bad = (why: string): IoError => new IoError('ERR_SERVE_RECORD', `${join(dir, RECORD_FILE)}: ${why}; run npm start again`, { where: RECORD_FILE });
  let j: RecordJson;
  try { j = JSON.parse(text) as RecordJson; } catch { throw bad('not JSON'); }
  if (typeof j.origin !== 'string' || !/^https?:\/\/[^/]+$/.test(j.origin)) throw bad('origin is not an http(s) origin');
  if (typeof j.secretFile !== 'string' || basename(j.secretFile) !== j.secretFile) throw bad('secretFile must name a file in the same folder');
  if (!Array.isArray(j.issued) || !j.issued.every((k) => typeof k?.contentId === 'string' && /^[0-9a-f]{32}$/.test(String(k?.kid)))) throw bad('issued must list {contentId, kid (32 hex digits)}');
  return { origin: j.origin, secret: readSecretFile(join(dir, j.secretFile)), issued: j.issued.map((k) => ({ contentId: k.contentId, kid: Buffer.from(k.kid, 'hex') })) };
}
