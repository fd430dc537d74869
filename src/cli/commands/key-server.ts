import { parseArgs } from 'node:util';
import { IoError, SegcryptError, UsageError } from '../../errors.js';
import { startKeyServer, type KeyServerOptions } from '../../key-server/index.js';
import { fromConfigFile, fromEnv, mergeLayers } from '../config-layers.js';
import { errorLine, exitCodeFor } from '../exit-codes.js';

const USAGE = `usage: segcrypt key-server [--port N] [--host 127.0.0.1] [--auth basic:USER:PASS | --auth bearer:TOKEN] [--secret S] [--playready-la-url URL] [--config FILE]
Runs the built-in SPEKE v1/v2 reference key server until SIGINT/SIGTERM.
Keys derive from --secret (default: random for this run), the content id and the KID.
Every option also comes from SEGCRYPT_<OPTION> environment variables (SEGCRYPT_PORT, SEGCRYPT_AUTH,
SEGCRYPT_SECRET, ...) or a --config JSON file; the command line wins, then the environment.`;

const OPTIONS = { port: { type: 'string' }, host: { type: 'string' }, auth: { type: 'string' }, secret: { type: 'string' }, 'playready-la-url': { type: 'string' } } as const;
const NAMES = Object.keys(OPTIONS);

/** `segcrypt key-server`: returns the process exit code. */
export async function keyServerCommand(argv: string[], signals: NodeJS.EventEmitter = process): Promise<number> {
  let options: KeyServerOptions;
  try {
    options = parseKeyServerArgs(argv);
  } catch (e) {
    if (e instanceof SegcryptError) { process.stderr.write(`${errorLine(e)}\n`); return exitCodeFor(e); }
    throw e;
  }
  if (options === HELP) { process.stdout.write(`${USAGE}\n`); return 0; }
  let server;
  try {
    server = await startKeyServer(options);
  } catch (e) {
    if (e instanceof SegcryptError) throw e;
    const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`;
    throw new IoError('ERR_LISTEN', `the key server cannot listen on ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where, cause: e });
  }
  process.stdout.write(`${server.url}\n`);
  if (options.secret === undefined) process.stderr.write('segcrypt key-server: no --secret given: keys are random for this run\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => { signals.off('SIGINT', stop); signals.off('SIGTERM', stop); resolve(); };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

const HELP = Object.freeze({}) as KeyServerOptions;

export function parseKeyServerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): KeyServerOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...OPTIONS, config: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'key-server' });
  }
  if (parsed.values.help) return HELP;
  const configFile = parsed.values.config ?? env.SEGCRYPT_CONFIG;
  const { config: _config, help: _help, ...cli } = parsed.values;
  const v = mergeLayers([configFile ? fromConfigFile(configFile, NAMES, new Set()) : {}, fromEnv(NAMES, new Set(), env), cli]) as Record<string, string | undefined>;
  const o: KeyServerOptions = {};
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('ERR_CLI_ARGS', `--port must be 0-65535, got "${v.port.slice(0, 10)}"`, { where: '--port' });
    o.port = port;
  }
  if (v.host !== undefined) o.host = v.host;
  if (v.secret !== undefined) o.secret = v.secret;
  if (v['playready-la-url'] !== undefined) o.playReadyLaUrl = v['playready-la-url'];
  if (v.auth !== undefined) {
    const [mode, ...rest] = v.auth.split(':');
    if (mode === 'basic' && rest.length >= 2 && rest[0]) o.auth = { basic: { user: rest[0], pass: rest.slice(1).join(':') } };
    else if (mode === 'bearer' && rest.join(':')) o.auth = { bearer: rest.join(':') };
    else throw new UsageError('ERR_CLI_ARGS', '--auth must be basic:USER:PASS or bearer:TOKEN', { where: '--auth' });
  }
  return o;
}
