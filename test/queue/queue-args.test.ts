/** Queue options checked at the door: `segcrypt worker` and `package --queue` arguments, exit 64 before any work. */
import t from 'tap';
import path from 'node:path';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parseWorkerArgs } from '../../src/cli/commands/worker.js';
import { parsePackageArgs } from '../../src/cli/commands/package.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { StaticKeys } from '../../src/keys/index.js';
import { UsageError } from '../../src/errors.js';
import { REPO_ROOT, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const KEY = '0123456789abcdef0123456789abcdef:00112233445566778899aabbccddeeff';

t.test('segcrypt worker arguments', async (t) => {
  const env = {};
  t.throws(() => parseWorkerArgs(['--key', KEY], env), { code: 'ERR_CLI_ARGS', message: /--redis/ }, 'no Redis');
  t.throws(() => parseWorkerArgs(['--redis', 'redis://h:1'], env), { code: 'ERR_CLI_ARGS', message: /key source/ }, 'no key source');
  t.throws(() => parseWorkerArgs(['--redis', 'redis://h:1', '--key', KEY, '--concurrency', '0'], env), { code: 'ERR_CLI_ARGS', message: /--concurrency/ });
  t.same(parseWorkerArgs(['--key', KEY], { SEGCRYPT_REDIS: 'redis://h:1' }), { redis: 'redis://h:1', keySource: { keys: [KEY] }, quiet: false, concurrency: 1, pool: 0 }, 'Redis from SEGCRYPT_REDIS');
  t.same(parseWorkerArgs(['--redis', 'rediss://u:p@h:1', '--key', KEY, '--queue', 'q', '--concurrency', '4', '--lock-duration', '1000', '--stalled-interval', '500'], env),
    { redis: 'rediss://u:p@h:1', keySource: { keys: [KEY] }, quiet: false, concurrency: 4, pool: 0, queue: 'q', lockDuration: 1000, stalledInterval: 500 });
});

t.test('package --queue arguments and queue options refused before any work', async (t) => {
  const a = parsePackageArgs(['in', 'out', '--scheme', 'cenc', '--key', KEY, '--queue', 'redis://h:1', '--queue-name', 'n']);
  t.same(a !== 'help' && a.queue, { connection: 'redis://h:1', name: 'n' });
  t.throws(() => parsePackageArgs(['in', 'out', '--scheme', 'cenc', '--key', KEY, '--queue-name', 'n']), { code: 'ERR_CLI_ARGS' }, '--queue-name alone');
  t.throws(() => parsePackageArgs(['in', 'out', '--scheme', 'cenc', '--key', KEY, '--redis-ca', 'ca.pem']), { code: 'ERR_CLI_ARGS' }, '--redis-ca alone');
  const tls = parsePackageArgs(['in', 'out', '--scheme', 'cenc', '--key', KEY, '--queue', 'rediss://h:1', '--redis-ca', 'ca.pem']);
  t.same(tls !== 'help' && tls.queue, { connection: 'rediss://h:1', ca: 'ca.pem' });
  const dir = scratchDir(t, 'segcrypt-queue-');
  for (const [queue, what] of [[{ connection: 'http://h:1' }, 'not redis://'], [{ connection: 'redis://h:1', name: 'a:b' }, 'a name with a colon'], [{ connection: 'redis://h:1', attempts: 0 }, 'zero attempts'], [{ connection: 'redis://h:1', ca: '-----BEGIN CERTIFICATE-----' }, 'a CA for a plain redis:// URL']] as const) {
    const e = await encryptPackage(path.join(SAMPLES, 'dash'), path.join(dir, 'out'), { scheme: 'cenc', keys: StaticKeys.fromSpecs([KEY]), queue }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof UsageError && e.code === 'ERR_QUEUE_OPTIONS', `${what}: ERR_QUEUE_OPTIONS`);
  }
  t.notOk(existsSync(path.join(dir, 'out')));
  t.same(readdirSync(dir), [], 'nothing written');
});

t.test('without bullmq and ioredis installed: the queue commands fail with ERR_QUEUE_UNAVAILABLE (exit 64) naming the install; local packaging still works', async (t) => {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'bundle.js'))) throw new Error('this test spawns the built CLI: run `npm run build` first');
  const dir = scratchDir(t, 'segcrypt-queue-');
  // A module resolution hook that makes the two optional packages unresolvable, as on a machine without them.
  writeFileSync(path.join(dir, 'hide.mjs'), `export async function resolve(s, c, next) {
  if (s === 'bullmq' || s === 'ioredis') { const e = new Error('Cannot find package ' + s); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(s, c);
}\n`);
  writeFileSync(path.join(dir, 'hide-register.mjs'), "import { register } from 'node:module';\nregister(new URL('./hide.mjs', import.meta.url));\n");
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', path.join(dir, 'hide-register.mjs'), path.join(REPO_ROOT, 'bin', 'segcrypt.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  const worker = cli(['worker', '--redis', 'redis://127.0.0.1:1', '--key', KEY]);
  t.equal(worker.status, 64, 'worker exits 64');
  t.match(worker.stderr, 'ERR_QUEUE_UNAVAILABLE: the queue needs the optional packages bullmq and ioredis: npm install bullmq ioredis');
  const queued = cli(['package', path.join(SAMPLES, 'dash'), path.join(dir, 'queued'), '--scheme', 'cenc', '--key', KEY, '--queue', 'redis://127.0.0.1:1']);
  t.equal(queued.status, 64, 'package --queue exits 64');
  t.match(queued.stderr, 'ERR_QUEUE_UNAVAILABLE');
  t.same(readdirSync(dir).sort(), ['hide-register.mjs', 'hide.mjs'], 'no output or temp folder');
  const local = cli(['package', path.join(SAMPLES, 'dash'), path.join(dir, 'local'), '--scheme', 'cenc', '--key', KEY, '--quiet']);
  t.equal(local.status, 0, `package without --queue needs neither package ${local.stderr}`);
});
