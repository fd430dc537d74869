import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keySourceFrom } from '../../src/cli/key-source.js';
import { parseKeyServerArgs } from '../../src/cli/commands/key-server.js';

const KID = '00112233445566778899aabbccddeeff';
const dir = mkdtempSync(join(tmpdir(), 'segcrypt-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('layers: config file < environment < command line, field by field', async (t) => {
  const cfg = join(dir, 'speke.json');
  writeFileSync(cfg, JSON.stringify({ spekeUrl: 'https://file.example/speke', contentId: 'from-file', 'speke-version': 1, drm: 'widevine,playready', auth: 'bearer:file-token' }));
  const env = { SEGCRYPT_CONTENT_ID: 'from-env', SEGCRYPT_AUTH: 'basic:u:p' };
  const o = keySourceFrom({ config: cfg, drm: 'fairplay' }, env);
  t.same(o, { spekeUrl: 'https://file.example/speke', contentId: 'from-env', spekeVersion: 1, drm: ['fairplay'], auth: 'basic:u:p' });
  t.same(keySourceFrom({}, { SEGCRYPT_CONFIG: cfg }).contentId, 'from-file', 'SEGCRYPT_CONFIG names the file');
});

t.test('a key source on the command line is not mixed with one from the environment', async (t) => {
  const o = keySourceFrom({ key: [`${KID}:${KID}`] }, { SEGCRYPT_SPEKE_URL: 'https://env.example/speke', SEGCRYPT_CONTENT_ID: 'c' });
  t.same(o.keys, [`${KID}:${KID}`]);
  t.equal(o.spekeUrl, undefined);
  const e = keySourceFrom({}, { SEGCRYPT_KEY: `video=${KID}:${KID},audio=${KID}:${KID}` });
  t.same(e.keys, [`video=${KID}:${KID}`, `audio=${KID}:${KID}`], 'repeatable options take comma lists from env');
});

t.test('config errors are typed and never echo values', async (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"auth": "bearer:s3cret-token", "bogus": 1}');
  t.throws(() => keySourceFrom({ config: bad }, {}), { code: 'ERR_CONFIG', message: /unknown option "bogus"/ });
  try { keySourceFrom({ config: bad }, {}); } catch (e) { t.notMatch((e as Error).message, /s3cret/); }
  writeFileSync(bad, '{not json');
  t.throws(() => keySourceFrom({ config: bad }, {}), { code: 'ERR_CONFIG' });
  t.throws(() => keySourceFrom({ config: join(dir, 'missing.json') }, {}), { code: 'ERR_CONFIG', message: /ENOENT/ });
  t.throws(() => keySourceFrom({ signer: 'rust' }, {}), { code: 'ERR_CLI_ARGS', message: /--signer/ });
});

t.test('key-server options from env and config, command line first', async (t) => {
  const cfg = join(dir, 'ks.json');
  const fileSecret = '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff';
  const envSecret = 'fedcba98765432100123456789abcdef00112233445566778899aabbccddeeff';
  writeFileSync(cfg, JSON.stringify({ port: 8443, secret: fileSecret, auth: 'bearer:file' }));
  const o = parseKeyServerArgs(['--config', cfg, '--port', '0'], { SEGCRYPT_SECRET: envSecret });
  t.same(o, { port: 0, secret: Buffer.from(envSecret, 'hex'), auth: { bearer: 'file' } });
  t.throws(() => parseKeyServerArgs([], { SEGCRYPT_PORT: 'eighty' }), { code: 'ERR_CLI_ARGS', message: /--port/ });
});
