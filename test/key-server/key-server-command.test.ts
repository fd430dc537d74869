/**
 * `segcrypt key-server` as a real process: the built CLI on port 0, its printed URL, real SPEKE
 * requests, a real SIGTERM, and the exit code the shell would see (as test/cli/error-paths does).
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseKeyServerArgs } from '../../src/cli/commands/key-server.js';

t.test('argument parsing', async (t) => {
  t.same(parseKeyServerArgs(['--port', '0', '--auth', 'basic:u:p:q'], {}), { port: 0, auth: { basic: { user: 'u', pass: 'p:q' } } });
  t.same(parseKeyServerArgs(['--auth', 'bearer:tok']), { auth: { bearer: 'tok' } });
  t.throws(() => parseKeyServerArgs(['--port', '70000']), { code: 'ERR_CLI_ARGS' });
  t.throws(() => parseKeyServerArgs(['--auth', 'sigv4:x']), { code: 'ERR_CLI_ARGS' });
  t.throws(() => parseKeyServerArgs(['--bogus']), { code: 'ERR_CLI_ARGS' });
});

interface Exit { code: number | null; signal: NodeJS.Signals | null; stderr: string }

function keyServer(t: Test, args: string[]): { child: ChildProcess; firstLine: Promise<string>; exit: Promise<Exit> } {
  const child = spawn(process.execPath, ['bin/segcrypt.js', 'key-server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exit = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, stderr }));
  const lines = createInterface({ input: child.stdout! });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    void exit.then((e) => reject(new Error(`key-server exited (${e.code ?? e.signal}) before printing its URL: ${e.stderr}`)));
  });
  firstLine.catch(() => undefined); // awaited by the tests that need it; the bad-argument test does not
  return { child, firstLine, exit };
}

// A bound on a hang (a server that never exits), not a timing assertion.
t.test('prints the URL, serves SPEKE, stops on a real SIGTERM with exit code 0', { timeout: 60_000 }, async (t) => {
  const { child, firstLine, exit } = keyServer(t, ['--port', '0', '--auth', 'bearer:tok']);
  const url = (await firstLine).trim();
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/speke\/copyProtection$/);
  const body = '<cpix:CPIX id="c" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey kid="00112233-4455-6677-8899-aabbccddeeff"/></cpix:ContentKeyList></cpix:CPIX>';
  const ok = await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer tok' } });
  t.equal(ok.status, 200);
  t.match(await ok.text(), /<cpix:Secret>|Secret>/, 'a CPIX answer with a key');
  t.equal((await fetch(url, { method: 'POST', body })).status, 401, 'no token: 401');
  t.ok(child.kill('SIGTERM'), 'SIGTERM delivered');
  const e = await exit;
  t.same([e.code, e.signal], [0, null], 'exits by itself with code 0 (not killed by the signal)');
  t.notMatch(e.stderr, /Error|segcrypt: ERR/, 'no error on the way out');
  await t.rejects(fetch(url, { method: 'POST', body }), 'the port is closed afterwards');
});

t.test('SIGINT stops it the same way', { timeout: 60_000 }, async (t) => {
  const { child, firstLine, exit } = keyServer(t, ['--port', '0']);
  await firstLine;
  child.kill('SIGINT');
  const e = await exit;
  t.same([e.code, e.signal], [0, null]);
});

t.test('a bad argument is exit code 64 with one line on stderr', { timeout: 60_000 }, async (t) => {
  const { exit } = keyServer(t, ['--port', 'x']);
  const e = await exit;
  t.equal(e.code, 64);
  t.match(e.stderr.trim(), /^segcrypt: ERR_CLI_ARGS: .*--port/);
  t.equal(e.stderr.trim().split('\n').length, 1);
});
