// Issue 6: each CLI error path prints one clear line and exits with its documented code.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyServer } from '../../src/key-server/index.js';

const K = '00112233445566778899aabbccddeeff';
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-cli-errors-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Run { status: number | null; stdout: string; stderr: string }

/** Asynchronous on purpose: the key server under test lives in this process and must keep answering. */
function segcrypt(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/segcrypt.js', ...args], { timeout: 60_000 });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function expectOneLine(t: Test, r: Run, status: number, code: string, secret?: string): void {
  t.equal(r.status, status, `exit ${status}`);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, 'one line on stderr');
  t.match(lines[0], new RegExp(`^segcrypt: ${code}: \\S`));
  if (secret) t.notMatch(r.stderr + r.stdout, secret, 'the secret is not echoed');
  t.same(readdirSync(dir), [], 'no output or temp file left');
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

t.test('missing input file: I/O error 74', async (t) => {
  expectOneLine(t, await segcrypt(['encrypt', join(dir, 'missing.mp4'), '-o', join(dir, 'o.mp4'), '--scheme', 'cenc', '--key', `${K}:${K}`]), 74, 'ERR_INPUT');
});

t.test('bad key hex: usage error 64, the key not echoed', async (t) => {
  const bad = `${K.slice(0, 30)}zz`;
  expectOneLine(t, await segcrypt(['encrypt', 'samples/media/avc.mp4', '-o', join(dir, 'o.mp4'), '--scheme', 'cenc', '--key', `${K}:${bad}`]), 64, 'ERR_KEY_FORMAT', bad);
});

t.test('unreachable key server: key acquisition error 69', async (t) => {
  const url = `http://127.0.0.1:${await closedPort()}/speke`;
  expectOneLine(t, await segcrypt(['encrypt', 'samples/media/avc.mp4', '-o', join(dir, 'o.mp4'), '--scheme', 'cenc', '--speke-url', url, '--content-id', 'c']), 69, 'ERR_SPEKE_NETWORK');
});

t.test('wrong credentials: key acquisition error 69, password not echoed', async (t) => {
  const server = await startKeyServer({ port: 0, auth: { basic: { user: 'packager', pass: 'right-pass' } } });
  t.teardown(() => server.close());
  expectOneLine(t, await segcrypt(['package', 'samples/dash', join(dir, 'pkg'), '--scheme', 'cenc', '--speke-url', server.url, '--content-id', 'c', '--auth', 'basic:packager:wrong-pass']), 69, 'ERR_SPEKE_AUTH', 'wrong-pass');
  t.notOk(existsSync(join(dir, 'pkg')));
});

t.test('a directory as input is an I/O error 74, not an internal crash', async (t) => {
  expectOneLine(t, await segcrypt(['encrypt', 'samples', '-o', join(dir, 'o.mp4'), '--scheme', 'cenc', '--key', `${K}:${K}`]), 74, 'ERR_INPUT_NOT_FILE');
  expectOneLine(t, await segcrypt(['inspect', 'samples']), 74, 'ERR_INPUT_NOT_FILE');
});

t.test('the output may not be the input (nor a link to it): usage error 64, the input untouched', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'segcrypt-same-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const input = join(work, 'in.ts');
  copyFileSync('samples/ts/avc-aac.ts', input);
  symlinkSync(input, join(work, 'link.ts'));
  for (const out of [input, join(work, 'link.ts')]) {
    const r = await segcrypt(['encrypt', input, '-o', out, '--scheme', 'aes-128', '--key', `${K}:${K}`]);
    t.equal(r.status, 64);
    t.match(r.stderr, /^segcrypt: ERR_OUTPUT_IS_INPUT: /);
  }
  t.ok(readFileSync(input).equals(readFileSync('samples/ts/avc-aac.ts')), 'the clear input is intact');
  t.same(readdirSync(work).sort(), ['in.ts', 'link.ts'], 'no temp file');
});

t.test('SIGINT during package removes the temp package folder and exits 130', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'segcrypt-int-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  let caught = false;
  for (let attempt = 0; attempt < 8 && !caught; attempt++) {
    const out = join(work, `out${attempt}`);
    const p = spawn(process.execPath, ['bin/segcrypt.js', 'package', 'samples/dash-shaka', out, '--scheme', 'cbcs', '--key', `${K}:${K}`, '--pool', '2']);
    const status = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (readdirSync(work).some((f) => f.startsWith(`.out${attempt}.tmp-`))) { caught = true; clearInterval(poll); p.kill('SIGINT'); }
      }, 2);
      p.on('close', (code) => { clearInterval(poll); resolve(code); });
    });
    if (caught) {
      t.equal(status, 130, 'exit 130');
      t.same(readdirSync(work).filter((f) => f.includes('.tmp-')), [], 'no temp folder left');
      t.notOk(existsSync(out), 'no half-written package');
    } else {
      rmSync(out, { recursive: true, force: true });
    }
  }
  t.ok(caught, 'the interrupt landed while the package was being written');
});

t.test('key-server on a port in use: one line, I/O exit 74', async (t) => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  const r = await segcrypt(['key-server', '--port', String((s.address() as { port: number }).port)]);
  t.equal(r.status, 74);
  t.match(r.stderr.trim(), /^segcrypt: ERR_LISTEN: the key server cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/);
});

t.test('a TS segment that lost sync: input error 65 naming the packet, nothing left', async (t) => {
  const bad = join(tmpdir(), `segcrypt-badsync-${process.pid}.ts`);
  const b = readFileSync('samples/ts/avc-aac.ts');
  b[188 * 5] = 0x00;
  writeFileSync(bad, b);
  t.teardown(() => rmSync(bad, { force: true }));
  const r = await segcrypt(['encrypt', bad, '-o', join(dir, 'o.ts'), '--scheme', 'sample-aes', '--key', `${K}:${K}`]);
  expectOneLine(t, r, 65, 'ERR_TS_SYNC');
  t.match(r.stderr, /packet 5/);
});
