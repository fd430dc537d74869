import t from 'tap';
import { EventEmitter } from 'node:events';
import { keyServerCommand, parseKeyServerArgs } from '../../src/cli/commands/key-server.js';

t.test('argument parsing', async (t) => {
  t.same(parseKeyServerArgs(['--port', '0', '--auth', 'basic:u:p:q'], {}), { port: 0, auth: { basic: { user: 'u', pass: 'p:q' } } });
  t.same(parseKeyServerArgs(['--auth', 'bearer:tok']), { auth: { bearer: 'tok' } });
  t.throws(() => parseKeyServerArgs(['--port', '70000']), { code: 'ERR_CLI_ARGS' });
  t.throws(() => parseKeyServerArgs(['--auth', 'sigv4:x']), { code: 'ERR_CLI_ARGS' });
  t.throws(() => parseKeyServerArgs(['--bogus']), { code: 'ERR_CLI_ARGS' });
});

t.test('prints the URL, serves SPEKE, stops on SIGTERM with exit code 0', async (t) => {
  const signals = new EventEmitter();
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  (process.stdout as { write: unknown }).write = (s: string) => { out.push(String(s)); return true; };
  let running: Promise<number>;
  try {
    running = keyServerCommand(['--port', '0', '--auth', 'bearer:tok'], signals);
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    (process.stdout as { write: unknown }).write = write;
  }
  const url = out[0]!.trim();
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/speke\/copyProtection$/);
  const body = '<cpix:CPIX id="c" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList><cpix:ContentKey kid="00112233-4455-6677-8899-aabbccddeeff"/></cpix:ContentKeyList></cpix:CPIX>';
  t.equal((await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer tok' } })).status, 200);
  t.equal((await fetch(url, { method: 'POST', body })).status, 401);
  signals.emit('SIGTERM');
  t.equal(await running!, 0);
  await t.rejects(fetch(url, { method: 'POST', body }), 'closed after the signal');
});

t.test('a bad argument is exit code 64', async (t) => {
  const err = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = () => true;
  try { t.equal(await keyServerCommand(['--port', 'x']), 64); } finally { (process.stderr as { write: unknown }).write = err; }
});
