/**
 * Issue 19, findings 7 (client side) and 9: the SPEKE client does not send credentials and take
 * clear keys over plain http beyond loopback unless told to, and its retry count is checked.
 */
import t from 'tap';
import { keySourceFrom } from '../../src/cli/key-source.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { postWithRetry } from '../../src/keys/speke/http-transport.js';
import { headerSignerFor } from '../../src/keys/speke/auth.js';

t.test('finding 7: http:// to a host beyond loopback is refused unless allowInsecureHttp', async (t) => {
  for (const url of ['http://keys.example.com/speke', 'http://10.0.0.5:8080/speke', 'http://[2001:db8::1]/speke', 'http://127.0.0.1.nip.io/speke']) {
    t.throws(() => new SpekeClient({ url }), { code: 'ERR_SPEKE_INSECURE', where: '--speke-url', message: /plain http/ }, url);
  }
  t.doesNotThrow(() => new SpekeClient({ url: 'http://keys.example.com/speke', allowInsecureHttp: true }), 'explicitly allowed');
  for (const url of ['https://keys.example.com/speke', 'http://127.0.0.1:8080/speke', 'http://127.1.2.3/speke', 'http://localhost:1/speke', 'http://[::1]:8080/speke']) {
    t.doesNotThrow(() => new SpekeClient({ url }), url);
  }
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'http://keys.example.com/speke', contentId: 'c' }), { code: 'ERR_SPEKE_INSECURE' });
  t.doesNotThrow(() => keyProviderFromOptions({ spekeUrl: 'http://keys.example.com/speke', contentId: 'c', allowInsecureHttp: true }));
  t.equal(keySourceFrom({ 'allow-insecure-http': true }, {}).allowInsecureHttp, true, '--allow-insecure-http');
  t.equal(keySourceFrom({}, { SEGCRYPT_ALLOW_INSECURE_HTTP: '1' }).allowInsecureHttp, true, 'SEGCRYPT_ALLOW_INSECURE_HTTP=1');
  t.equal(keySourceFrom({}, {}).allowInsecureHttp, undefined, 'off by default');
});

t.test('finding 9: retries is an integer from 0 to 10 (typed error, not a TypeError)', async (t) => {
  for (const retries of [-1, 11, 1.5, Number.NaN, Infinity]) {
    t.throws(() => new SpekeClient({ url: 'https://k.example/speke', transport: { retries } }), { code: 'ERR_SPEKE_RETRIES', name: 'UsageError', where: 'retries' }, String(retries));
  }
  for (const retries of [0, 10]) t.doesNotThrow(() => new SpekeClient({ url: 'https://k.example/speke', transport: { retries } }), String(retries));
  // The transport on its own (exported): before, retries -1 made no attempt and then read a property of undefined.
  await t.rejects(postWithRetry(new URL('http://127.0.0.1:9/'), '<x/>', {}, headerSignerFor({ type: 'none' }), { timeoutMs: 100, retries: -1, backoffBaseMs: 1, backoffMaxMs: 1, maxResponseBytes: 10 }),
    { code: 'ERR_SPEKE_RETRIES' });
  t.throws(() => keyProviderFromOptions({ spekeUrl: 'https://k.example/speke', contentId: 'c', retries: -1 }), { code: 'ERR_SPEKE_RETRIES' });
  t.equal(keySourceFrom({ retries: '4' }, {}).retries, 4);
  for (const bad of ['-1', '11', '2.5', 'x', '']) t.throws(() => keySourceFrom({ retries: bad }, {}), { code: 'ERR_SPEKE_RETRIES', where: '--retries' }, JSON.stringify(bad));
});
