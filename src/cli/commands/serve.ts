import { parseArgs } from 'node:util';
import { IoError, SegcryptError, UsageError } from '../../errors.js';
import { startServe, type ServeOptions } from '../../serve/index.js';
import { errorLine, exitCodeFor } from '../exit-codes.js';
import { untilStopSignal } from '../interrupt.js';

const USAGE = `usage: segcrypt serve [DIR] [--port N] [--key-server URL]
Serves a folder of packages (default out/demo, what npm start writes) on 127.0.0.1 with a page that
lists each package (scheme, KIDs, DRM systems, its ContentProtection / EXT-X-KEY lines) and plays it:
shaka-player for DASH and HLS fMP4, hls.js for HLS MPEG-TS, with no keys in their configuration.
Packages made with the built-in key server (a key-server.json beside them, as npm start writes) get
that key server again, started here with its recorded secret: ClearKey licenses and HLS keys come
from it (development and tests only). --key-server URL uses a running one instead (start it with
--allowed-origin set to the page's origin). --port: default 8000, 0 for any free port.
Needs the optional packages shaka-player and hls.js (npm install shaka-player hls.js). Runs until SIGINT/SIGTERM.`;

const DEFAULT_PORT = 8000;

export function parseServeArgs(argv: string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { port: { type: 'string' }, 'key-server': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'serve' });
  }
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError('ERR_CLI_ARGS', 'serve takes one folder', { where: 'serve' });
  let port = DEFAULT_PORT;
  if (parsed.values.port !== undefined) {
    port = Number(parsed.values.port);
    if (!/^\d+$/.test(parsed.values.port) || port > 65535) throw new UsageError('ERR_CLI_ARGS', `--port must be 0-65535, got "${parsed.values.port.slice(0, 10)}"`, { where: '--port' });
  }
  return { dir: parsed.positionals[0] ?? 'out/demo', port, ...(parsed.values['key-server'] !== undefined ? { keyServerUrl: parsed.values['key-server'] } : {}) };
}

/** `segcrypt serve`: returns the process exit code once SIGINT/SIGTERM stops it. */
export async function serveCommand(argv: string[], signals: NodeJS.EventEmitter = process): Promise<number> {
  let options: ServeOptions | 'help';
  try { options = parseServeArgs(argv); } catch (e) {
    if (e instanceof SegcryptError) { process.stderr.write(`${errorLine(e)}\n`); return exitCodeFor(e); }
    throw e;
  }
  if (options === 'help') { process.stdout.write(`${USAGE}\n`); return 0; }
  const stopped = untilStopSignal(signals); // before starting: a signal at any time stops it cleanly
  let serving;
  try {
    serving = await startServe(options);
  } catch (e) {
    if (e instanceof SegcryptError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new IoError('ERR_LISTEN', `segcrypt serve cannot listen on 127.0.0.1:${options.port}: ${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ' (choose another --port)' : ''}`, { where: '--port', cause: e });
  }
  process.stdout.write(`segcrypt serve: ${serving.packages} package${serving.packages === 1 ? '' : 's'} from ${options.dir} at ${serving.url}\n${serving.keyServerNote}\nOpen ${serving.url} in a browser; Ctrl-C stops.\n`);
  await stopped;
  await serving.close();
  return 0;
}
