import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIP } from 'node:net';
import { KeyError, UsageError } from '../../errors.js';
import type { HeaderSigner } from './auth.js';

export interface TransportOptions {
  /** Per attempt, connect to last byte. */
  timeoutMs: number;
  /** Extra attempts after the first, on network errors, timeouts, 429 and 5xx. */
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxResponseBytes: number;
  /** CA certificate(s) (PEM) to trust for an https key server with a private CA: they replace Node's default roots for its connections. */
  ca?: string | Buffer;
}

export const MAX_RETRIES = 10;

export const DEFAULT_TRANSPORT: TransportOptions = {
  timeoutMs: 10_000,
  retries: 3,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  maxResponseBytes: 1024 * 1024,
};

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  attempts: number;
}

class AttemptError extends Error {
  constructor(readonly kind: 'timeout' | 'network' | 'too-large', message: string, readonly errno?: string) { super(message); }
}

/**
 * Checked at the door: a negative, fractional or huge retry count would make no attempt at all or
 * retry for hours; times must be positive numbers.
 */
export function checkTransportOptions(o: TransportOptions): void {
  if (!Number.isInteger(o.retries) || o.retries < 0 || o.retries > MAX_RETRIES) {
    throw new UsageError('ERR_SPEKE_RETRIES', `retries must be an integer from 0 to ${MAX_RETRIES}, got ${String(o.retries).slice(0, 20)}`, { where: 'retries' });
  }
  for (const k of ['timeoutMs', 'backoffBaseMs', 'backoffMaxMs', 'maxResponseBytes'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || o[k] < 0) {
      throw new UsageError('ERR_SPEKE_TRANSPORT', `${k} must be a non-negative number, got ${String(o[k]).slice(0, 20)}`, { where: k });
    }
  }
}

/** True for a host only this machine can reach: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * POST with retries: jittered exponential backoff ("full jitter") on network errors, timeouts,
 * 429 and 5xx; a 4xx other than 429 is final at once. Each attempt is signed afresh (SigV4
 * dates). Errors carry the HTTP status and the server's message, truncated and with long
 * base64/hex runs redacted, so no key material can leak through an error.
 */
export async function postWithRetry(url: URL, body: string, baseHeaders: Record<string, string>, sign: HeaderSigner, o: TransportOptions): Promise<HttpResponse> {
  checkTransportOptions(o);
  let last: AttemptError | HttpResponse | undefined;
  const attempts = o.retries + 1;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, o, last));
    const headers = await sign({ method: 'POST', url, headers: { ...baseHeaders, 'content-length': String(Buffer.byteLength(body)) }, body });
    try {
      const res = await attemptOnce(url, body, headers, o);
      res.attempts = attempt + 1;
      if (res.status === 429 || res.status >= 500) { last = res; continue; }
      return res;
    } catch (e) {
      if (!(e instanceof AttemptError)) throw e;
      if (e.kind === 'too-large') {
        throw new KeyError('ERR_SPEKE_TOO_LARGE', `key server response from ${url.host} exceeds ${o.maxResponseBytes} bytes; refused`, { where: url.origin });
      }
      last = e;
    }
  }
  if (last instanceof AttemptError) {
    const code = last.kind === 'timeout' ? 'ERR_SPEKE_TIMEOUT' : 'ERR_SPEKE_NETWORK';
    throw new KeyError(code, `key server ${url.host}: ${last.message} (after ${attempts} attempt${attempts > 1 ? 's' : ''})`, { where: url.origin });
  }
  const res = last!;
  throw new KeyError('ERR_SPEKE_HTTP', `key server ${url.host} answered HTTP ${res.status} after ${attempts} attempts: ${serverMessage(res.body)}`, { where: url.origin, status: res.status });
}

async function attemptOnce(url: URL, body: string, headers: Record<string, string>, o: TransportOptions): Promise<HttpResponse> {
  // Loaded on the first request, not when the CLI starts (~12 ms of every run, most never ask a key server).
  const secure = url.protocol === 'https:';
  const lib = secure ? await import('node:https') : url.protocol === 'http:' ? await import('node:http') : undefined;
  return new Promise((resolve, reject) => {
    if (!lib) { reject(new KeyError('ERR_SPEKE_URL', `unsupported key server URL scheme ${url.protocol}`, { where: 'speke url' })); return; }
    let settled = false;
    const finish = (fn: () => void): void => { if (!settled) { settled = true; clearTimeout(timer); fn(); } };
    const req = lib.request(url, { method: 'POST', headers, agent: false, ...(o.ca && secure ? { ca: o.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxResponseBytes) {
        finish(() => reject(new AttemptError('too-large', 'response too large')));
        res.destroy();
        req.destroy();
        return;
      }
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxResponseBytes) {
          finish(() => reject(new AttemptError('too-large', 'response too large')));
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), attempts: 1 })));
      res.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(new AttemptError('network', `response interrupted (${e.code ?? e.message})`, e.code))));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new AttemptError('timeout', `no complete answer within ${o.timeoutMs} ms`)));
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(new AttemptError('network', `request failed (${e.code ?? e.message})`, e.code))));
    req.end(body);
  });
}

function backoffDelay(attempt: number, o: TransportOptions, last: AttemptError | HttpResponse | undefined): number {
  const ceiling = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** (attempt - 1));
  let delay = Math.random() * ceiling;
  if (last && !(last instanceof AttemptError) && last.status === 429) {
    const ra = Number(last.headers['retry-after']);
    if (Number.isFinite(ra) && ra >= 0) delay = Math.min(o.backoffMaxMs, ra * 1000);
  }
  return Math.round(delay);
}

/** The server's error text, safe to show: one line, 200 characters, long opaque runs redacted. */
export function serverMessage(body: Buffer): string {
  const text = body.subarray(0, 2048).toString('utf8').replace(/\s+/g, ' ').trim();
  // Base64 or hex runs long enough to be a key are cut; UUIDs (KIDs, system ids) have dashes and stay.
  const redacted = text.replace(/[A-Za-z0-9+/=]{24,}/g, '[redacted]');
  const out = redacted.length > 200 ? `${redacted.slice(0, 200)}...` : redacted;
  return out || '(empty body)';
}
