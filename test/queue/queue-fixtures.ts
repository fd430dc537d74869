/**
 * Real processes for the queue tests: a redis-server on a free loopback port (no persistence)
 * and `segcrypt worker` processes from bin/segcrypt.js (the built CLI), each stopped in teardown.
 * Every wait is bounded and says what it waited for.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT } from '../oracles/run-tool.js';

interface HasTeardown { teardown(fn: () => void | Promise<void>): void }

export const BIN = path.join(REPO_ROOT, 'bin', 'segcrypt.js');

export function requireBuiltCli(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'bundle.js'))) throw new Error('the queue tests spawn the built CLI: run `npm run build` first');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once `text` shows up in the stream, rejects after `ms` (or when the process exits first).
 * `prior`: what the stream printed before this call (a process's output so far), searched too.
 */
export function waitForOutput(p: ChildProcess, stream: 'stdout' | 'stderr', text: string | RegExp, what: string, ms = 20_000, prior = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = prior;
    const found = () => (typeof text === 'string' ? seen.includes(text) : text.test(seen));
    if (found()) { resolve(seen); return; }
    const done = (e?: Error) => { clearTimeout(timer); p[stream]!.off('data', onData); p.off('exit', onExit); if (e) reject(e); else resolve(seen); };
    const onData = (d: Buffer) => { seen += d.toString(); if (found()) done(); };
    const onExit = (code: number | null) => done(new Error(`${what}: the process exited (${code}) before printing ${String(text)}; it printed: ${seen.slice(-500)}`));
    const timer = setTimeout(() => done(new Error(`${what}: no ${String(text)} within ${ms} ms; got: ${seen.slice(-500)}`)), ms);
    p[stream]!.on('data', onData);
    p.once('exit', onExit);
  });
}

export function exitOf(p: ChildProcess, what: string, ms = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: did not exit within ${ms} ms`)), ms);
    p.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

export interface RedisServer { url: string; port: number; stop(): Promise<void> }

/**
 * `persistDir`: an append-only file there (a restart on the same port keeps the data); else no
 * persistence. `tls`: TLS only (no plain port), with this certificate and key (PEM files).
 */
export async function startRedis(t: HasTeardown, o: { password?: string; port?: number; persistDir?: string; tls?: { cert: string; key: string } } = {}): Promise<RedisServer> {
  const port = o.port ?? await freePort();
  const auth = o.password ? ['--requirepass', o.password] : [];
  const persist = o.persistDir ? ['--appendonly', 'yes', '--dir', o.persistDir] : ['--appendonly', 'no'];
  const listen = o.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', o.tls.cert, '--tls-key-file', o.tls.key, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const p = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', ...persist, ...auth], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => { if (p.exitCode === null && p.signalCode === null) { p.kill('SIGTERM'); await exitOf(p, 'redis-server'); } };
  t.teardown(stop);
  await waitForOutput(p, 'stdout', 'Ready to accept connections', 'redis-server');
  return { url: `redis${o.tls ? 's' : ''}://${o.password ? `:${o.password}@` : ''}127.0.0.1:${port}`, port, stop };
}

/** A self-signed certificate for 127.0.0.1 (openssl), as PEM files in `dir`. */
export function makeLoopbackCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'redis-cert.pem');
  const key = path.join(dir, 'redis-key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl req failed (${r.status}): ${r.stderr?.toString().slice(-300)}`);
  return { cert, key };
}

export interface WorkerProcess { proc: ChildProcess; stdout: () => string; stderr: () => string }

/** A `segcrypt worker`, ready (it printed that it takes jobs); killed in teardown if still running. */
export async function startWorker(t: HasTeardown, redisUrl: string, args: string[]): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [BIN, 'worker', '--redis', redisUrl, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SEGCRYPT_CONFIG: '' } });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  t.teardown(async () => { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await exitOf(proc, 'worker'); } });
  await waitForOutput(proc, 'stderr', 'taking jobs from queue', 'segcrypt worker');
  return { proc, stdout: () => out, stderr: () => err };
}

/** Every file under a folder, relative, sorted. */
export function treeOf(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The same files with the same bytes: a list of what differs (empty = identical). */
export function treeDifferences(a: string, b: string): string[] {
  const ta = treeOf(a);
  const tb = treeOf(b);
  const diffs: string[] = [];
  for (const f of new Set([...ta, ...tb])) {
    if (!ta.includes(f)) diffs.push(`${f}: only in ${b}`);
    else if (!tb.includes(f)) diffs.push(`${f}: only in ${a}`);
    else if (!readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f)))) diffs.push(`${f}: bytes differ`);
  }
  return diffs;
}

/** Every key and value in Redis as one string (hashes, lists, sets, sorted sets, streams). */
export async function redisDump(url: string): Promise<string> {
  const r = new Redis(url);
  try {
    let text = '';
    for (const k of await r.keys('*')) {
      const type = await r.type(k);
      const v = type === 'string' ? await r.get(k)
        : type === 'hash' ? await r.hgetall(k)
          : type === 'list' ? await r.lrange(k, 0, -1)
            : type === 'set' ? await r.smembers(k)
              : type === 'zset' ? await r.zrange(k, '0', '-1')
                : type === 'stream' ? await r.xrange(k, '-', '+') : '';
      text += `${k}\n${JSON.stringify(v)}\n`;
    }
    return text;
  } finally {
    r.disconnect();
  }
}

/** A key's bytes as they could show up in Redis: hex (both cases), base64, latin1, a JSON byte array. */
export function keyForms(hex: string): string[] {
  const b = Buffer.from(hex, 'hex');
  return [hex, hex.toUpperCase(), b.toString('base64'), b.toString('latin1'), JSON.stringify([...b.values()])];
}
