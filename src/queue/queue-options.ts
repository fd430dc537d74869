/** Options of the BullMQ queue shared by the coordinator (encryptPackage) and `segcrypt worker`. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export interface PackageQueueOptions {
  /**
   * Redis URL: `redis://[[user]:password@]host:port[/db]`, or `rediss://` for TLS. The password
   * is never printed (errors name host and port only).
   */
  connection: string;
  /** Queue name (default `segcrypt`); the package parents go to `<name>-packages`. */
  name?: string;
  /** Tries per job before the package fails (default 3); bad media fails at once. */
  attempts?: number;
  /** rediss:// only: the CA certificate(s) to trust instead of Node's default roots (PEM text, or a PEM file's path). */
  ca?: string;
}

export const DEFAULT_QUEUE_NAME = 'segcrypt';

/** Checked at the door: a URL redis can be reached at, a name BullMQ accepts. */
export function checkQueueOptions(o: PackageQueueOptions): { url: URL; name: string; attempts: number; ca?: Buffer } {
  if (!o || typeof o.connection !== 'string') throw new UsageError('ERR_QUEUE_OPTIONS', 'queue.connection must be a redis:// or rediss:// URL', { where: 'queue.connection' });
  let url: URL;
  try { url = new URL(o.connection); } catch {
    throw new UsageError('ERR_QUEUE_OPTIONS', 'queue.connection is not a URL: use redis://HOST:PORT or rediss://HOST:PORT', { where: 'queue.connection' });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError('ERR_QUEUE_OPTIONS', `queue.connection must be redis:// or rediss://, got ${url.protocol}//`, { where: 'queue.connection' });
  }
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new UsageError('ERR_QUEUE_OPTIONS', 'queue name must be 1 to 100 of A-Z a-z 0-9 _ . -', { where: 'queue.name' });
  const attempts = o.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new UsageError('ERR_QUEUE_OPTIONS', 'queue.attempts must be an integer from 1 to 100', { where: 'queue.attempts' });
  if (o.ca === undefined) return { url, name, attempts };
  if (url.protocol !== 'rediss:') throw new UsageError('ERR_QUEUE_OPTIONS', 'queue.ca is for a rediss:// (TLS) connection', { where: 'queue.ca' });
  return { url, name, attempts, ca: pemOrFile(o.ca) };
}

function pemOrFile(v: string): Buffer {
  if (v.includes('-----BEGIN')) return Buffer.from(v);
  try { return readFileSync(v); } catch (e) {
    throw new UsageError('ERR_QUEUE_OPTIONS', `cannot read the Redis CA file ${v}`, { where: 'queue.ca', cause: e });
  }
}

/** host:port of a Redis URL, for messages (never the password). */
export function redisPlace(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** BullMQ connection options from a URL; `maxRetriesPerRequest: null` as BullMQ workers require; rediss:// gets TLS (with `ca` when given). */
export function connectionOptions(url: URL, ca?: Buffer): { url: string; maxRetriesPerRequest: null; tls?: { ca: Buffer } } {
  return { url: url.href, maxRetriesPerRequest: null, ...(ca ? { tls: { ca } } : {}) };
}
