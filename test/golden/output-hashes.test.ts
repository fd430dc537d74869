/**
 * Byte-identity guard for the speed work: every scheme's output over the small samples hashes as
 * recorded (output-hashes.json, made with the engine before the rewrite of issue 15). Proves no
 * change of output bytes, not correctness: the oracle tests beside this one do that.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { encryptTsSegment } from '../../src/index.js';
import { HASHES_FILE, outputHashes } from './output-hashes.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const recorded = JSON.parse(readFileSync(HASHES_FILE, 'utf8')) as Record<string, string>;

t.test('outputs hash as recorded', async (t) => {
  const got = await outputHashes(scratchDir(t));
  t.same(Object.keys(got).sort(), Object.keys(recorded).sort(), 'same cases and files');
  for (const [name, hash] of Object.entries(recorded)) t.equal(got[name], hash, name);
});

t.test('a wrong key gives another hash (the comparison is not vacuous)', async (t) => {
  const input = readFileSync(path.join(SAMPLES, 'ts/avc-aac.ts'));
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const wrong = Buffer.from('0123456789abcdef0123456789abcdee', 'hex');
  const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
  const out = encryptTsSegment(input, { scheme: 'sample-aes', key: { kid, key: wrong }, iv });
  t.not(createHash('sha256').update(out).digest('hex'), recorded['segment sample-aes ts/avc-aac.ts']);
});
