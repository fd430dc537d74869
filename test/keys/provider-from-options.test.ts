import t from 'tap';
import { fileURLToPath } from 'node:url';
import { keyProviderFromOptions, parseDrmSystems, parseSpekeVersion } from '../../src/keys/provider-from-options.js';
import { StaticKeys } from '../../src/keys/static-keys.js';
import { CpixFile } from '../../src/keys/cpix/cpix-file.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { parseAuthSpec } from '../../src/keys/speke/auth.js';
import { startKeyServer } from '../../src/key-server/http-server.js';

const KID = '00112233445566778899aabbccddeeff';

t.test('one key source, the right provider for each', async (t) => {
  t.type(keyProviderFromOptions({ keys: [`${KID}:${KID}`] }), StaticKeys);
  t.type(keyProviderFromOptions({ cpixFile: fileURLToPath(new URL('./fixtures/speke-v1-vod-response.xml', import.meta.url)) }), CpixFile);
  t.type(keyProviderFromOptions({ spekeUrl: 'http://127.0.0.1:1/speke', contentId: 'c' }), SpekeClient);
  t.throws(() => keyProviderFromOptions({}), { code: 'ERR_NO_KEY_SOURCE', category: 'usage' });
  t.throws(() => keyProviderFromOptions({ keys: [`${KID}:${KID}`], spekeUrl: 'http://x' }), { code: 'ERR_KEY_SOURCES' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'http://x' }), { code: 'ERR_SPEKE_CONTENT_ID' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'ftp://x', contentId: 'c' }), { code: 'ERR_SPEKE_URL' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'http://x', contentId: 'c', drm: ['nagra' as never] }), { code: 'ERR_DRM_SYSTEM' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'http://x', contentId: 'c', auth: 'basic:u:p', roleArn: 'arn:aws:iam::1:role/r' }), { code: 'ERR_AUTH_SPEC' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'http://x', contentId: 'c', deliveryCert: 'x.pem' }), { code: 'ERR_DELIVERY_OPTIONS' });
});

t.test('auth specs parse; errors never echo the secret', async (t) => {
  t.same(parseAuthSpec('basic:enc:pa:ss'), { type: 'basic', user: 'enc', pass: 'pa:ss' });
  t.same(parseAuthSpec('bearer:eyJ.x.y'), { type: 'bearer', token: 'eyJ.x.y' });
  t.same(parseAuthSpec('header:X-Api-Key:k1'), { type: 'header', name: 'X-Api-Key', value: 'k1' });
  t.same(parseAuthSpec('sigv4:us-east-1', { roleArn: 'r', externalId: 'e' }), { type: 'sigv4', region: 'us-east-1', roleArn: 'r', externalId: 'e' });
  t.same(parseAuthSpec('sigv4a:us-east-1'), { type: 'sigv4', region: 'us-east-1', sigv4a: true });
  t.same(parseAuthSpec(undefined), { type: 'none' });
  t.throws(() => parseAuthSpec('basic:nocolon'), { code: 'ERR_AUTH_SPEC' });
  t.throws(() => parseAuthSpec('header:bad name:v'), { code: 'ERR_AUTH_SPEC' });
  try { parseAuthSpec('digest:topsecret'); } catch (e) { t.notMatch((e as Error).message, 'topsecret'); }
});

t.test('CLI-style options reach the built-in server: v1, auth, DRM list', async (t) => {
  const server = await startKeyServer({ secret: '4beb0e85bed10bad7c0ee5b09422e85ce4d3d9515cfb0730ad5d0387e69ea50f', auth: { basic: { user: 'u', pass: 'p' } } });
  t.teardown(() => server.close());
  const provider = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'cli-1', spekeVersion: 1, drm: ['widevine'], auth: 'basic:u:p' });
  const set = await provider.getKeys({ contentId: 'cli-1', trackTypes: ['video', 'audio'], scheme: 'cenc' });
  t.equal(set.keys.length, 1);
  t.same(set.drm.map((d) => d.systemId), ['edef8ba9-79d6-4ace-a3c8-27dcd51d21ed']);
  const wrong = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'cli-1', auth: 'basic:u:x' });
  await t.rejects(wrong.getKeys({ contentId: 'cli-1', trackTypes: ['video'], scheme: 'cenc' }), { code: 'ERR_SPEKE_AUTH' });
});

t.test('--drm and --speke-version parsing', async (t) => {
  t.same(parseDrmSystems('widevine, PlayReady,fairplay,clearkey'), ['widevine', 'playready', 'fairplay', 'clearkey']);
  t.throws(() => parseDrmSystems('widevine,nagra'), { code: 'ERR_DRM_SYSTEM' });
  t.throws(() => parseDrmSystems(''), { code: 'ERR_DRM_SYSTEM' });
  t.equal(parseSpekeVersion('1'), 1);
  t.equal(parseSpekeVersion('2.0'), 2);
  t.throws(() => parseSpekeVersion('3'), { code: 'ERR_SPEKE_VERSION' });
});
