import { parseArgs } from 'node:util';
import { IoError, SegcryptError, UsageError } from '../../errors.js';
import { readFileSync } from 'node:fs';
import { readSecretFile, secretBytes, SECRET_ENV, startKeyServer, type KeyServerOptions } from '../../key-server/index.js';
import { fromConfigFile, fromEnv, mergeLayers } from '../config-layers.js';
import { errorLine, exitCodeFor } from '../exit-codes.js';
import { untilStopSignal } from '../interrupt.js';

const USAGE = `usage: segcrypt key-server [--port N] [--host 127.0.0.1] [--auth basic:USER:PASS | --auth bearer:TOKEN]
       [--secret-file FILE] [--tls-cert FILE --tls-key FILE] [--allowed-host NAME]... [--allowed-origin ORIGIN]...
       [--no-hls-keys] [--max-connections N] [--playready-la-url URL] [--config FILE]
Runs the built-in SPEKE v1/v2 reference key server (a development and test tool) until SIGINT/SIGTERM.
Keys derive from the secret (default: random for this run), the content id and the KID. The secret is
at least 32 random bytes, hex or base64 (openssl rand -hex 32), from --secret-file FILE or the
${SECRET_ENV} environment variable; never on the command line, where ps shows it.
Listening beyond loopback (--host) needs --auth. Requests must name an allowed Host (localhost,
127.0.0.1, ::1, the --host address, --allowed-host names); browsers only from --allowed-origin origins.
GET /hls-key/<content id>/<KID>?token=T serves AES-128 keys to players, and POST /clearkey/<content id>?token=T
answers W3C ClearKey license requests for the keys this process issued for that content (behind --auth too):
T is scoped to one content id and comes in the key URI / license URL of the SPEKE answer; --no-hls-keys
turns both routes off.
Every option also comes from SEGCRYPT_<OPTION> environment variables (SEGCRYPT_PORT, SEGCRYPT_AUTH,
SEGCRYPT_SECRET_FILE, ...) or a --config JSON file; the command line wins, then the environment.`;

const OPTIONS = {
  port: { type: 'string' }, host: { type: 'string' }, auth: { type: 'string' }, secret: { type: 'string' }, 'secret-file': { type: 'string' },
  'playready-la-url': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true }, 'allowed-origin': { type: 'string', multiple: true },
  'no-hls-keys': { type: 'boolean' }, 'max-connections': { type: 'string' },
} as const;
const NAMES = Object.keys(OPTIONS);
const MULTIPLE = new Set(['allowed-host', 'allowed-origin']);

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
  // Listening for the stop signals before the server starts: a SIGINT/SIGTERM sent as soon as the URL
  // line is read (or earlier) stops it cleanly instead of killing it with the default action.
  const stopped = untilStopSignal(signals);
  let server;
  try {
    server = await startKeyServer(options);
  } catch (e) {
    if (e instanceof SegcryptError) throw e;
    const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`;
    throw new IoError('ERR_LISTEN', `the key server cannot listen on ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where, cause: e });
  }
  process.stdout.write(`${server.url}\n`);
  if (options.secret === undefined) process.stderr.write(`segcrypt key-server: no --secret-file or ${SECRET_ENV}: keys are random for this run\n`);
  await stopped;
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
  if (cli.secret !== undefined) {
    throw new UsageError('ERR_CLI_SECRET', `--secret on the command line is refused: every process can read it with ps; use --secret-file FILE or ${SECRET_ENV}`, { where: '--secret' });
  }
  const v = mergeLayers([configFile ? fromConfigFile(configFile, NAMES, MULTIPLE) : {}, fromEnv(NAMES, MULTIPLE, env), cli]) as Record<string, string | undefined>;
  const list = (name: string): string[] | undefined => v[name] as unknown as string[] | undefined;
  const o: KeyServerOptions = {};
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('ERR_CLI_ARGS', `--port must be 0-65535, got "${v.port.slice(0, 10)}"`, { where: '--port' });
    o.port = port;
  }
  if (v.host !== undefined) o.host = v.host;
  // Highest first: --secret-file (any layer), SEGCRYPT_KEY_SERVER_SECRET, then "secret" from the env or config layers.
  if (v['secret-file'] !== undefined) o.secret = readSecretFile(v['secret-file']);
  else if (env[SECRET_ENV]) o.secret = secretBytes(env[SECRET_ENV], SECRET_ENV);
  else if (v.secret !== undefined) o.secret = secretBytes(v.secret, 'secret (environment or config file)');
  if (v['tls-cert'] !== undefined || v['tls-key'] !== undefined) o.tls = tlsFiles(v['tls-cert'], v['tls-key']);
  if (list('allowed-host')) o.allowedHosts = list('allowed-host')!;
  if (list('allowed-origin')) o.allowedOrigins = list('allowed-origin')!;
  if (v['no-hls-keys'] !== undefined && String(v['no-hls-keys']) !== 'false') o.serveHlsKeys = false;
  if (v['max-connections'] !== undefined) {
    const n = Number(v['max-connections']);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError('ERR_CLI_ARGS', `--max-connections must be 1-65535, got "${String(v['max-connections']).slice(0, 10)}"`, { where: '--max-connections' });
    o.maxConnections = n;
  }
  if (v['playready-la-url'] !== undefined) o.playReadyLaUrl = v['playready-la-url'];
  if (v.auth !== undefined) {
    const [mode, ...rest] = v.auth.split(':');
    if (mode === 'basic' && rest.length >= 2 && rest[0]) o.auth = { basic: { user: rest[0], pass: rest.slice(1).join(':') } };
    else if (mode === 'bearer' && rest.join(':')) o.auth = { bearer: rest.join(':') };
    else throw new UsageError('ERR_CLI_ARGS', '--auth must be basic:USER:PASS or bearer:TOKEN', { where: '--auth' });
  }
  return o;
}

function tlsFiles(cert: string | undefined, key: string | undefined): { cert: Buffer; key: Buffer } {
  if (!cert || !key) throw new UsageError('ERR_CLI_ARGS', 'HTTPS needs both --tls-cert FILE and --tls-key FILE', { where: cert ? '--tls-key' : '--tls-cert' });
  const read = (file: string, what: string): Buffer => {
    try { return readFileSync(file); } catch (e) {
      throw new UsageError('ERR_CLI_ARGS', `cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: what, cause: e });
    }
  };
  return { cert: read(cert, '--tls-cert'), key: read(key, '--tls-key') };
}
