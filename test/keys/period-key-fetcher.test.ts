/**
 * Live key look-ahead: asking for period p fetches p+1 in the background, from the built-in SPEKE
 * v2 key server (requests carry the period), once per period; a failed look-ahead stays silent until
 * that period is asked for, and is then retried.
 */
import t from 'tap';
import { startKeyServer } from '../../src/key-server/index.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { PeriodKeyFetcher } from '../../src/keys/period-key-fetcher.js';
import type { KeyProvider, KeyRequest } from '../../src/keys/content-key.js';

t.test('period p+1 is fetched while p is used, each period once, from the key server', async (t) => {
  const server = await startKeyServer();
  t.teardown(() => server.close());
  const client = new SpekeClient({ url: server.url, version: 2, drmSystems: ['widevine'] });
  const asked: (number | undefined)[] = [];
  const counting: KeyProvider = { getKeys: (r: KeyRequest) => { asked.push(r.period?.index); return client.getKeys(r); } };
  const keys = new PeriodKeyFetcher(counting, { contentId: 'live-7', trackTypes: ['video'], scheme: 'cenc' });
  const p0 = await keys.keysFor(0);
  t.ok(keys.requested(1), 'period 1 was asked for while period 0 was being used');
  const p1 = await keys.keysFor(1);
  t.same(asked, [0, 1, 2], 'each period asked once: 0, then 1 ahead, then 2 ahead when 1 was used');
  t.equal(p0.keys[0]!.period, 'keyPeriod_0');
  t.equal(p1.keys[0]!.period, 'keyPeriod_1');
  t.not(p0.keys[0]!.key.toString('hex'), p1.keys[0]!.key.toString('hex'), 'a new key per period');
});

t.test('a failed look-ahead is silent until asked for, then retried', async (t) => {
  let failNext = true;
  const provider: KeyProvider = {
    async getKeys(r) {
      if (r.period?.index === 1 && failNext) { failNext = false; throw new Error('key server down'); }
      return { keys: [{ kid: Buffer.alloc(16, r.period!.index!), key: Buffer.alloc(16, 9), period: r.period!.id }], drm: [] };
    },
  };
  const keys = new PeriodKeyFetcher(provider, { contentId: 'x', trackTypes: ['video'], scheme: 'cenc' });
  await t.resolves(keys.keysFor(0), 'period 0 fine although the look-ahead of 1 fails');
  await new Promise((r) => setImmediate(r));
  const p1 = await keys.keysFor(1);
  t.equal(p1.keys[0]!.kid[0], 1, 'period 1 fetched again when asked for');
  t.throws(() => keys.keysFor(-1), { code: 'ERR_KEY_PERIOD' });
});
