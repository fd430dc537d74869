/** `segcrypt package` (packageCommand): arguments, key sources, JSON output, exit codes of failures. */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { packageCommand, parsePackageArgs } from '../../src/cli/commands/package.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';

const KEY = 'video=0123456789abcdef0123456789abcdef:00112233445566778899aabbccddeeff';
const AKEY = 'audio=fedcba9876543210fedcba9876543210:ffeeddccbbaa99887766554433221100';

async function run(argv: string[]): Promise<{ code: number; stdout: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  try {
    const code = await packageCommand(argv).catch((e: unknown) => exitCodeFor(e));
    return { code, stdout };
  } finally {
    process.stdout.write = write;
  }
}

t.test('encrypts a DASH package with per-track static keys and prints JSON', async (t) => {
  const out = path.join(scratchDir(t, 'segcrypt-cli-'), 'out');
  const r = await run([path.join(SAMPLES, 'dash'), out, '--scheme', 'cbcs', '--key', KEY, '--key', AKEY, '--json', '--clearkey-laurl', 'https://lic.example/ck']);
  t.equal(r.code, EXIT.ok);
  const json = JSON.parse(r.stdout);
  t.equal(json.format, 'dash');
  t.same(json.kids, { audio: 'fedcba9876543210fedcba9876543210', video: '0123456789abcdef0123456789abcdef' });
  const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
  t.match(mpd, 'cenc:default_KID="01234567-89ab-cdef-0123-456789abcdef"');
  t.match(mpd, 'cenc:default_KID="fedcba98-7654-3210-fedc-ba9876543210"');
  t.match(mpd, '<dashif:Laurl>https://lic.example/ck</dashif:Laurl>');
  t.match(json.signaling.dash, 'value="cbcs"');
});

t.test('HLS TS AES-128 with a key URI: one summary line', async (t) => {
  const out = path.join(scratchDir(t, 'segcrypt-cli-'), 'out');
  const r = await run([path.join(SAMPLES, 'hls-ts'), out, '--scheme', 'aes-128', '--key', KEY, '--key-uri', 'https://keys.example/k', '--no-progress']);
  t.equal(r.code, EXIT.ok);
  t.match(r.stdout, /^encrypted HLS package into .*: 3 media files encrypted, 0 copied, 2 manifests rewritten \(video kid 0123456789abcdef0123456789abcdef\)\n$/);
  t.match(readFileSync(path.join(out, 'index.m3u8'), 'utf8'), '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example/k"');
});

t.test('failures map to exit codes and leave nothing', async (t) => {
  const dir = scratchDir(t, 'segcrypt-cli-');
  const out = path.join(dir, 'out');
  t.equal((await run([path.join(SAMPLES, 'hls-ts'), out, '--scheme', 'aes-128', '--key', KEY])).code, EXIT.usage, 'aes-128 without --key-uri');
  t.equal((await run([path.join(SAMPLES, 'dash'), out, '--scheme', 'cenc'])).code, EXIT.usage, 'no key source');
  t.equal((await run([path.join(SAMPLES, 'dash'), out, '--scheme', 'cenc', '--key', KEY, '--cpix', 'x.xml'])).code, EXIT.usage, 'two key sources');
  t.equal((await run([path.join(SAMPLES, 'media'), out, '--scheme', 'cenc', '--key', KEY])).code, EXIT.input, 'no manifest: input error');
  t.equal((await run([path.join(dir, 'nope'), out, '--scheme', 'cenc', '--key', KEY])).code, EXIT.io, 'missing input directory: I/O error');
  t.notOk(existsSync(out));
  t.throws(() => parsePackageArgs(['a', '--scheme', 'cenc', '--key', KEY]), { code: 'ERR_CLI_ARGS', message: /input and an output directory/ });
  t.throws(() => parsePackageArgs(['a', 'b', '--scheme', 'rot13', '--key', KEY]), { code: 'ERR_CLI_ARGS', message: /--scheme/ });
  t.throws(() => parsePackageArgs(['a', 'b', '--scheme', 'cenc', '--key', KEY, '--iv', 'xyz']), { code: 'ERR_IV_FORMAT' });
  t.throws(() => parsePackageArgs(['a', 'b', '--scheme', 'cenc', '--key', KEY, '--pool', '99']), { code: 'ERR_CLI_ARGS', message: /--pool/ });
  t.equal(parsePackageArgs(['-h']), 'help');
});
