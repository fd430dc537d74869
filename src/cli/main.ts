import { EXIT, errorLine, exitCodeFor } from './exit-codes.js';

type Command = (argv: string[]) => Promise<number>;

/** Commands load lazily: `segcrypt encrypt` does not pay for the key server's imports. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  encrypt: { summary: 'encrypt a fragmented MP4/CMAF file (or an MPEG-TS segment)', load: async () => (await import('./commands/encrypt.js')).encryptCommand },
  package: { summary: 'encrypt a whole DASH or HLS package and rewrite its manifests', load: async () => (await import('./commands/package.js')).packageCommand },
  inspect: { summary: 'show what protection a file carries (schemes, KIDs, IVs, pssh, subsamples, TS stream types)', load: async () => (await import('./commands/inspect.js')).inspectCommand },
  worker: { summary: 'take package encryption jobs from a BullMQ queue on Redis (scale-out)', load: async () => (await import('./commands/worker.js')).workerCommand },
  serve: { summary: 'a local page that plays a folder of packages (default out/demo) with keys from the key server', load: async () => (await import('./commands/serve.js')).serveCommand },
  'key-server': { summary: 'run the built-in SPEKE v1/v2 reference key server', load: async () => (await import('./commands/key-server.js')).keyServerCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: segcrypt <command> [options]\ncommands:\n${lines.join('\n')}\nRun \`segcrypt <command> --help\` for a command's options.
exit codes: 0 ok, 64 usage, 65 input media, 69 key acquisition, 70 internal, 74 I/O, 130/143 interrupted`;
}

/** CLI entry (bin/segcrypt.js): runs one command, returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`segcrypt: ERR_CLI_ARGS: unknown command "${name.slice(0, 40)}"\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await (await cmd.load())(rest);
  } catch (e) {
    process.stderr.write(`${errorLine(e)}\n`);
    return exitCodeFor(e);
  }
}
