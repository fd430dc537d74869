import t from 'tap';
import { counterBlocks, overlappingCounterRanges } from './ctr-counter-ranges.js';

const none = { crypt: 0, skip: 0 };

t.test('counter blocks per sample', async (t) => {
  t.equal(counterBlocks({ iv: '', subsamples: [[5, 32], [3, 17]] }, 57, 'cenc', none), 4, 'cenc: 49 protected bytes span 4 blocks across subsamples');
  t.equal(counterBlocks({ iv: '', subsamples: [] }, 33, 'cenc', none), 3, 'cenc full sample: partial block uses a counter');
  t.equal(counterBlocks({ iv: '', subsamples: [] }, 33, 'cens', none), 2, 'cens audio: whole blocks only');
  t.equal(counterBlocks({ iv: '', subsamples: [[10, 16 * 21]] }, 346, 'cens', { crypt: 1, skip: 9 }), 3, 'cens 1:9 over 21 blocks: 3 encrypted');
});

t.test('overlap detection (the check can fail)', async (t) => {
  const sizes = [160, 160];
  const iv = (n: number): string => n.toString(16).padStart(32, '0');
  t.same(overlappingCounterRanges([{ iv: iv(0), subsamples: [] }, { iv: iv(10), subsamples: [] }], sizes, 'cenc', none), [], 'IVs 10 blocks apart: no overlap');
  t.same(overlappingCounterRanges([{ iv: iv(0), subsamples: [] }, { iv: iv(1), subsamples: [] }], sizes, 'cenc', none),
    ['samples 0 and 1 share counter blocks'], 'IVs incremented by 1: overlap found');
});
