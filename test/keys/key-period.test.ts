/** Key schedules: `--key KID:KEY@P`, period ids, and chooseKey's period rules (never another period's key). */
import t from 'tap';
import { parseKeySpec, StaticKeys } from '../../src/keys/static-keys.js';
import { chooseKey, selectKey } from '../../src/keys/key-selection.js';
import { mergeKeySets, periodIdOf, periodIndexAt } from '../../src/keys/key-period.js';
import type { KeySet } from '../../src/keys/content-key.js';

const K = (n: number) => Buffer.alloc(16, n);
const hex = (n: number) => K(n).toString('hex');

t.test('KID:KEY@P', async (t) => {
  const k = parseKeySpec(`video=${hex(1)}:${hex(2)}@7`);
  t.equal(k.period, 'keyPeriod_7');
  t.same(k.trackTypes, ['video']);
  t.equal(parseKeySpec(`${hex(1)}:${hex(2)}`).period, undefined, 'no suffix: every period');
  t.throws(() => parseKeySpec(`${hex(1)}:${hex(2)}@x`), { code: 'ERR_KEY_FORMAT' });
  t.throws(() => parseKeySpec(`${hex(1)}:${hex(2)}@`), { code: 'ERR_KEY_FORMAT' });
  const set = await StaticKeys.fromSpecs([`${hex(1)}:${hex(2)}@0`, `${hex(3)}:${hex(4)}@1`]).getKeys();
  t.same(set.periods, [{ id: 'keyPeriod_0', index: 0 }, { id: 'keyPeriod_1', index: 1 }]);
  t.throws(() => StaticKeys.fromSpecs([`${hex(1)}:${hex(2)}@0`, `${hex(3)}:${hex(4)}@0`]), { code: 'ERR_KEY_CONFLICT' }, 'two keys for one period');
});

t.test('periods from decode times; ids from the key set\'s ContentKeyPeriod@index', async (t) => {
  t.equal(periodIndexAt(0, 2), 0);
  t.equal(periodIndexAt(1.999, 2), 0);
  t.equal(periodIndexAt(2, 2), 1);
  t.equal(periodIndexAt(5.999999999999, 3), 2, 'a decode time a float rounding below a boundary counts as on it');
  const set: KeySet = { keys: [], drm: [], periods: [{ id: 'p_x', index: 4 }] };
  t.equal(periodIdOf(set, 4), 'p_x');
  t.equal(periodIdOf(set, 5), 'keyPeriod_5');
});

t.test('chooseKey with a period', async (t) => {
  const set: KeySet = { keys: [{ kid: K(1), key: K(2), period: 'keyPeriod_0' }, { kid: K(3), key: K(4), period: 'keyPeriod_1' }], drm: [] };
  t.same(selectKey(set, { type: 'video' }, 'keyPeriod_1')?.kid, K(3));
  t.same(selectKey(set, { type: 'video' }, 'keyPeriod_0')?.kid, K(1));
  t.throws(() => chooseKey(set, { type: 'video', name: 'v' }, 'keyPeriod_2'), { code: 'ERR_NO_KEY_FOR_PERIOD' }, 'no fallback to another period');
  const withAll: KeySet = { keys: [{ kid: K(9), key: K(9) }, ...set.keys], drm: [] };
  t.same(selectKey(withAll, { type: 'video' }, 'keyPeriod_1')?.kid, K(3), 'the period\'s own key beats a key for every period');
  t.same(selectKey(withAll, { type: 'video' }, 'keyPeriod_2')?.kid, K(9), 'a key of no period serves the others');
  const merged = mergeKeySets(set, { keys: [{ kid: K(5), key: K(6), period: 'keyPeriod_2' }, set.keys[0]!], drm: [], periods: [{ id: 'keyPeriod_2', index: 2 }] });
  t.equal(merged.keys.length, 3, 'merging adds the new period, keeps no duplicate');
  t.same(merged.periods, [{ id: 'keyPeriod_2', index: 2 }]);
});
