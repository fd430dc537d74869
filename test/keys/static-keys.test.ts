import t from 'tap';
import { parseKeySpec, StaticKeys } from '../../src/keys/static-keys.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';

const KID = '00112233445566778899aabbccddeeff';
const KEY = 'ffeeddccbbaa99887766554433221100';

t.test('parses labelled and bare key specs', async (t) => {
  const v = parseKeySpec(`video=${KID}:${KEY}`);
  t.same(v.trackTypes, ['video']);
  t.equal(v.kid.toString('hex'), KID);
  t.equal(parseKeySpec(`${KID}:${KEY}`).trackTypes, undefined);
});

t.test('bad key hex is a usage error that does not echo the value', async (t) => {
  const bad = 'zz' + KEY.slice(2);
  t.throws(() => parseKeySpec(`${KID}:${bad}`), { code: 'ERR_KEY_FORMAT' });
  try { parseKeySpec(`${KID}:${bad}`); } catch (e) { t.notMatch((e as Error).message, bad); }
  t.throws(() => parseKeySpec(`${KID}:${KEY.slice(0, 30)}`), { code: 'ERR_KEY_FORMAT' });
});

t.test('static keys signal a W3C common pssh v1 with every KID', async (t) => {
  const ks = StaticKeys.fromSpecs([`video=${KID}:${KEY}`, `audio=${KEY}:${KID}`]);
  const set = await ks.getKeys();
  const pssh = set.drm[0]!.pssh!;
  t.equal(pssh.toString('latin1', 4, 8), 'pssh');
  t.equal(pssh[8], 1, 'version 1');
  t.equal(pssh.subarray(12, 28).toString('hex'), SYSTEM_IDS.common.replace(/-/g, ''));
  t.equal(pssh.readUInt32BE(28), 2, 'two KIDs');
  t.equal(pssh.subarray(32, 48).toString('hex'), KID);
});

t.test('one KID names one key, and each track type gets one key', async (t) => {
  const OTHER = '0f0e0d0c0b0a09080706050403020100';
  t.throws(() => StaticKeys.fromSpecs([`video=${KID}:${KEY}`, `${KID}:${OTHER}`]), { code: 'ERR_KEY_CONFLICT', message: /already given with a different key/ });
  t.throws(() => StaticKeys.fromSpecs([`video=${KID}:${KEY}`, `video=${OTHER}:${KEY}`]), { code: 'ERR_KEY_CONFLICT', message: /video tracks/ });
  t.throws(() => StaticKeys.fromSpecs([`${KID}:${KEY}`, `${OTHER}:${KEY}`]), { code: 'ERR_KEY_CONFLICT', message: /every track/ });
  try { StaticKeys.fromSpecs([`video=${KID}:${KEY}`, `${KID}:${OTHER}`]); } catch (e) { t.notMatch((e as Error).message, new RegExp(`${KEY}|${OTHER}`), 'no key bytes'); }
  t.doesNotThrow(() => StaticKeys.fromSpecs([`video=${KID}:${KEY}`, `audio=${KID}:${KEY}`]), 'the same key under one KID for both tracks is fine');
});
