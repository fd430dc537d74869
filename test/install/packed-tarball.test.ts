// Issue 20: segcrypt as users install it. `npm pack` (its prepack builds a clean dist) from a copy of
// the checkout, `npm install <tarball> --ignore-scripts` into an empty project, then there: the CLI
// through npx, an encrypt of a sample decrypted by ffmpeg to the clear frames, an ESM import, a
// TypeScript consumer type-checked against the shipped .d.ts, and the install footprint.
// Everything happens in temporary folders: the checkout and its node_modules are only read.
import t from 'tap';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';
import { REPO_ROOT, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

// npm pack builds with tsc (~15 s of CPU) and npm install fetches ~40 packages (the npm cache makes
// it quick, a cold cache or a busy machine does not): more than the suite's 300 s would be a hang.
t.setTimeout(900_000);

const KID = '0123456789abcdef0123456789abcdef';
const KEY = '00112233445566778899aabbccddeeff';
const WRONG_KEY = 'ffeeddccbbaa99887766554433221100';
const MAX_FOOTPRINT = 30 * 1024 * 1024;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;
/** The repo's own files a pack does not need: tests, media, benchmarks, build output, installs. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', '.tap', '.test-build', 'out', 'test', 'bench', 'samples', 'native-free', '.ci']);

interface Run { code: number; stdout: string; stderr: string }

/** The environment a user's shell would have: none of the npm_* variables `npm test` put there
 * (npm_config_local_prefix would point a nested npm at this checkout), registry and cache settings kept. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry|userconfig|globalconfig|cafile|strict_ssl|https?_proxy|proxy|noproxy)$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv(), timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code === -1 ? String(error.message) : '') });
    });
  });
}

/** Apparent bytes of every file under <project>/node_modules (symlinks not followed), and each installed package's package.json. */
function walkInstall(project: string): { bytes: number; manifests: string[]; gypFiles: string[] } {
  const out = { bytes: 0, manifests: [] as string[], gypFiles: [] as string[] };
  const visit = (d: string): void => {
    const parts = relative(project, d).split('/');
    // A package root: node_modules/<name> or node_modules/@scope/<name>, at any nesting depth.
    const isRoot = parts.at(-2) === 'node_modules' ? !parts.at(-1)!.startsWith('@') && !parts.at(-1)!.startsWith('.')
      : parts.at(-3) === 'node_modules' && parts.at(-2)!.startsWith('@');
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { visit(p); continue; }
      out.bytes += lstatSync(p).size;
      if (isRoot && e.name === 'package.json') out.manifests.push(p);
      if (isRoot && e.name === 'binding.gyp') out.gypFiles.push(p);
    }
  };
  visit(join(project, 'node_modules'));
  return out;
}

const work = scratchDir(t, 'segcrypt-packed-');
const checkout = join(work, 'checkout');
const packDir = join(work, 'pack');
const app = join(work, 'app');
let tarball = '';

t.test('npm pack: prepack builds a clean dist, and only what users need is packed', async (t) => {
  mkdirSync(checkout);
  mkdirSync(packDir);
  for (const name of readdirSync(REPO_ROOT)) {
    if (!NOT_COPIED.has(name)) cpSync(join(REPO_ROOT, name), join(checkout, name), { recursive: true });
  }
  // The build tools (tsc, esbuild) from the checkout's install, read only.
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(checkout, 'node_modules'), 'dir');
  const r = await run('npm', ['pack', '--json', '--pack-destination', packDir], checkout);
  t.equal(r.code, 0, `npm pack exits 0${r.code ? `: ${r.stderr.slice(-2000)}` : ''}`);
  if (r.code !== 0) return;
  t.match(r.stderr, /> segcrypt@[^ ]+ prepack/, 'prepack ran');
  const [info] = JSON.parse(r.stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number; files: Array<{ path: string }> }>;
  tarball = join(packDir, info!.filename);
  t.ok(existsSync(tarball), 'the tarball exists');
  const files = info!.files.map((f) => f.path);
  t.comment(`tarball ${info!.filename}: ${info!.size} bytes, ${info!.unpackedSize} unpacked, ${info!.entryCount} files`);
  for (const need of ['package.json', 'README.md', 'LICENSE', 'bin/segcrypt.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/bundle.js', 'dist/pool/worker.js']) {
    t.ok(files.includes(need), `ships ${need}`);
  }
  const unwanted = files.filter((f) => /^(src|test|bench|samples|native-free|scripts|\.ci)\//.test(f) || f.startsWith('dist/demo/')
    || (f.startsWith('dist/cli/') && !f.startsWith('dist/cli/bundle.js')) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) || /\.(mp4|m4s|m3u8|mpd)$/.test(f));
  t.same(unwanted, [], 'no sources, tests, samples, bench inputs, demo or unbundled CLI modules');
  const manifest = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }>; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  t.same(Object.keys(manifest.scripts ?? {}).filter((s) => [...INSTALL_SCRIPTS, 'prepare'].includes(s)), [], 'no script that runs when the package is installed (prepare included)');
  t.equal(manifest.peerDependenciesMeta?.['@aws-sdk/signature-v4-crt']?.optional, true, 'the CRT signer is an optional peer');
  t.notOk(manifest.dependencies?.['@aws-sdk/signature-v4-crt'] ?? manifest.optionalDependencies?.['@aws-sdk/signature-v4-crt'], 'and not installed with segcrypt');
  // Every package a shipped .d.ts imports must be one the user gets (a declared dependency): npm's
  // hoisting would hide a transitive one here, pnpm's strict layout would not.
  // Optional peers count as declared: only the queue's modules (reached through a dynamic import,
  // never from index.d.ts) name them, and the consumer type-check below runs without them installed.
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependenciesMeta ?? {})]);
  const typeImports = new Set<string>();
  for (const f of files.filter((f) => f.endsWith('.d.ts'))) {
    for (const m of readFileSync(join(checkout, f), 'utf8').matchAll(/(?:from\s+|import\()\s*'([^'.][^']*)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      typeImports.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  t.same([...typeImports].filter((p) => !declared.has(p)), [], `the .d.ts files import only declared dependencies (${[...typeImports].join(', ')})`);
});

t.test('npm install <tarball> --ignore-scripts into an empty project: footprint and no install scripts', async (t) => {
  if (!tarball) { t.fail('no tarball'); return; }
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'segcrypt-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const r = await run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund'], app);
  t.equal(r.code, 0, `npm install exits 0${r.code ? `: ${r.stderr.slice(-2000)}` : ''}`);
  if (r.code !== 0) return;
  const nodeModules = join(app, 'node_modules');
  const { bytes, manifests, gypFiles } = walkInstall(app);
  const du = await run('du', ['-sk', nodeModules], app);
  const diskBytes = Number(du.stdout.split('\t')[0]) * 1024;
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const installed = Object.keys(lock.packages).filter((k) => k !== '' && existsSync(join(app, k)));
  t.comment(`footprint: ${installed.length} packages (segcrypt included), ${bytes} bytes apparent (${(bytes / 2 ** 20).toFixed(1)} MiB), ${diskBytes} bytes on disk (du -sk: ${(diskBytes / 2 ** 20).toFixed(1)} MiB)`);
  t.equal(manifests.length, installed.length, 'one package.json per package in the lockfile');
  t.ok(bytes <= MAX_FOOTPRINT, `apparent size ${bytes} <= ${MAX_FOOTPRINT}`);
  t.ok(diskBytes > 0 && diskBytes <= MAX_FOOTPRINT, `disk usage ${diskBytes} <= ${MAX_FOOTPRINT}`);
  t.same(Object.entries(lock.packages).filter(([, v]) => v.hasInstallScript).map(([k]) => k), [], 'no hasInstallScript in the lockfile');
  const withScripts = manifests.filter((m) => {
    const scripts = (JSON.parse(readFileSync(m, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    return INSTALL_SCRIPTS.some((s) => s in scripts);
  }).map((m) => relative(app, m));
  t.same(withScripts, [], 'no installed package.json has a preinstall/install/postinstall script');
  t.same(gypFiles.map((g) => relative(app, g)), [], 'no binding.gyp (npm would run node-gyp for it)');
  t.notOk(existsSync(join(nodeModules, 'aws-crt')) || existsSync(join(nodeModules, '@aws-sdk/signature-v4-crt')), 'the CRT signer and aws-crt are not installed');
});

t.test('npx segcrypt --help', async (t) => {
  if (!existsSync(join(app, 'node_modules/.bin/segcrypt'))) { t.fail('segcrypt is not installed'); return; }
  // As a user types it (flags before the command, e.g. npx --no, would make --help npm's own).
  const r = await run('npx', ['segcrypt', '--help'], app);
  t.equal(r.code, 0);
  t.match(r.stdout, /^usage: segcrypt <command>/);
  for (const c of ['encrypt', 'package', 'inspect', 'key-server']) t.match(r.stdout, new RegExp(`\\n  ${c} `), c);
});

t.test('segcrypt encrypt of a sample (static key, worker pool) decrypts through ffmpeg to the clear frames', async (t) => {
  if (!existsSync(join(app, 'node_modules/.bin/segcrypt'))) { t.fail('segcrypt is not installed'); return; }
  copyFileSync(join(SAMPLES, 'media/avc.mp4'), join(app, 'avc.mp4'));
  // --pool 2: the shipped worker (dist/pool/worker.js) has to be there and load.
  const r = await run('npx', ['segcrypt', 'encrypt', 'avc.mp4', '-o', 'avc-cenc.mp4', '--scheme', 'cenc', '--key', `${KID}:${KEY}`, '--pool', '2', '--json'], app);
  t.equal(r.code, 0, `encrypt exits 0${r.code ? `: ${r.stderr}` : ''}`);
  if (r.code !== 0) return;
  const result = JSON.parse(r.stdout) as { kids?: string[] };
  t.same(result.kids?.map((k) => k.replace(/-/g, '')), [KID], 'the KID given');
  t.not(readFileSync(join(app, 'avc-cenc.mp4')).toString('hex'), readFileSync(join(app, 'avc.mp4')).toString('hex'));
  const clear = frameDigests(await framemd5(join(app, 'avc.mp4'), { stream: 'video' }));
  const decrypted = frameDigests(await framemd5(join(app, 'avc-cenc.mp4'), { stream: 'video', decryptionKey: KEY, input: 'pipe' }));
  t.ok(clear.length > 0, `${clear.length} clear frames`);
  t.same(decrypted, clear, 'ffmpeg -decryption_key (through a pipe) gives the clear frames');
  const wrong = await framemd5Lenient(join(app, 'avc-cenc.mp4'), { stream: 'video', decryptionKey: WRONG_KEY, input: 'pipe' });
  t.notSame(frameDigests(wrong.frames), clear, 'a wrong key gives other frames');
});

t.test('without the optional players, segcrypt serve fails with ERR_SERVE_PLAYERS_MISSING and the one install command', async (t) => {
  const r = await run('npx', ['segcrypt', 'serve', '--port', '0'], app);
  t.equal(r.code, 64, 'usage exit code');
  t.match(r.stderr, /^segcrypt: ERR_SERVE_PLAYERS_MISSING: .*shaka-player and hls\.js not installed: npm install shaka-player hls\.js\n$/);
});

t.test('without the optional peer, SigV4a fails with ERR_SIGV4_CRT_MISSING and the one install command', async (t) => {
  if (!existsSync(join(app, 'avc.mp4'))) { t.fail('no sample in the project'); return; }
  const env = userEnv({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
  const r = await run('npx', ['segcrypt', 'encrypt', 'avc.mp4', '-o', 'never.mp4', '--scheme', 'cenc', '--speke-url', 'http://127.0.0.1:9/speke',
    '--content-id', 'c', '--auth', 'sigv4a:us-east-1'], app, env);
  t.equal(r.code, 69, 'key acquisition exit code');
  t.match(r.stderr, /^segcrypt: ERR_SIGV4_CRT_MISSING: SigV4a needs the optional peer dependency @aws-sdk\/signature-v4-crt, which is not installed; add it with: npm install @aws-sdk\/signature-v4-crt\n$/);
  t.notOk(existsSync(join(app, 'never.mp4')), 'no output');
});

t.test('ESM import of segcrypt from the installed package', async (t) => {
  if (!existsSync(join(app, 'avc.mp4'))) { t.fail('no sample in the project'); return; }
  writeFileSync(join(app, 'smoke.mjs'), `
import { encryptFile, StaticKeys, SegcryptError, startKeyServer, encryptPackage, createSegmentEncryptor } from 'segcrypt';
const keys = StaticKeys.fromSpecs(['${KID}:${KEY}']);
const r = await encryptFile('avc.mp4', 'avc-lib.mp4', { scheme: 'cbcs', keys, poolSize: 0 });
let notMedia;
try { await encryptFile('package.json', 'nope.mp4', { scheme: 'cenc', keys }); } catch (e) { notMedia = e; }
console.log(JSON.stringify({
  functions: [encryptFile, startKeyServer, encryptPackage, createSegmentEncryptor].map((f) => typeof f),
  kids: r.kids, typed: notMedia instanceof SegcryptError, code: notMedia?.code,
}));
`);
  const r = await run(process.execPath, ['smoke.mjs'], app);
  t.equal(r.code, 0, `node smoke.mjs exits 0${r.code ? `: ${r.stderr}` : ''}`);
  if (r.code !== 0) return;
  const o = JSON.parse(r.stdout) as { functions: string[]; kids: string[]; typed: boolean; code?: string };
  t.same(o.functions, ['function', 'function', 'function', 'function']);
  t.same(o.kids.map((k) => k.replace(/-/g, '')), [KID]);
  t.ok(o.typed, 'a bad input rejects with a SegcryptError from the same package');
  t.match(o.code, /^ERR_/);
  const decrypted = frameDigests(await framemd5(join(app, 'avc-lib.mp4'), { stream: 'video', decryptionKey: KEY, input: 'pipe' }));
  t.same(decrypted, frameDigests(await framemd5(join(app, 'avc.mp4'), { stream: 'video' })), 'the library output decrypts to the clear frames too');
});

t.test('a TypeScript consumer type-checks against the shipped .d.ts (and a wrong option does not)', async (t) => {
  if (!existsSync(join(app, 'node_modules/segcrypt/dist/index.d.ts'))) { t.fail('no shipped .d.ts'); return; }
  writeFileSync(join(app, 'good.ts'), `
import { encryptFile, StaticKeys, SegcryptError, type EncryptResult, type ProtectionScheme } from 'segcrypt';

const keys = StaticKeys.fromSpecs(['${KID}:${KEY}']);
const scheme: ProtectionScheme = 'cbcs';

export async function protect(input: string, output: string): Promise<string[]> {
  try {
    const result: EncryptResult = await encryptFile(input, output, { scheme, keys, poolSize: 0 });
    return result.kids;
  } catch (e) {
    if (e instanceof SegcryptError) return [e.code];
    throw e;
  }
}
`);
  writeFileSync(join(app, 'bad.ts'), `
import { encryptFile, StaticKeys } from 'segcrypt';
export const p = encryptFile('a.mp4', 'b.mp4', { scheme: 'rot13', keys: StaticKeys.fromSpecs([]) });
`);
  // The consumer brings @types/node (the .d.ts use node: modules); here the checkout's copy.
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
      types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
    },
    files: ['good.ts', 'bad.ts'],
  }, null, 2));
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], app);
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  t.equal(r.code, 2, 'tsc reports errors (from bad.ts)');
  t.same(errors.filter((l) => !l.startsWith('bad.ts(')), [], 'none in good.ts or in the shipped declarations');
  t.equal(errors.length, 1, errors.join('\n'));
  t.match(errors[0], /^bad\.ts\(3,\d+\): error TS2322: Type '"rot13"' is not assignable to type 'ProtectionScheme'/);
});
