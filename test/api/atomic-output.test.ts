import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AtomicOutput } from '../../src/api/atomic-output.js';
import { scratchDir } from '../oracles/scratch-dir.js';

t.test('queued appends land in order, bounded by drain, and the file appears only on commit', async (t) => {
  const dir = scratchDir(t, 'segcrypt-out-');
  const target = path.join(dir, 'out.bin');
  const out = await AtomicOutput.create(target);
  const chunks = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 4099));
  const written: number[] = [];
  for (const [i, c] of chunks.entries()) {
    // Split each chunk into parts, as a fragment's moof + media go out.
    out.append([c.subarray(0, 100), c.subarray(100)], () => written.push(i));
    if (i % 7 === 0) await out.drain(20_000);
  }
  t.equal(out.position, chunks.reduce((n, c) => n + c.length, 0), 'position counts what was queued');
  t.notOk(existsSync(target), 'nothing at the target before commit');
  await out.commit();
  t.same(written, chunks.map((_, i) => i), 'writes finished in order, each reported once');
  t.ok(readFileSync(target).equals(Buffer.concat(chunks)), 'the file is the parts in order');
  t.same(readdirSync(dir), ['out.bin'], 'no temp file left');
});

t.test('a failed write fails drain and commit with ERR_WRITE; abort leaves nothing', async (t) => {
  const dir = scratchDir(t, 'segcrypt-out-');
  const target = path.join(dir, 'out.bin');
  const out = await AtomicOutput.create(target);
  out.append([Buffer.alloc(10, 1)]);
  await out.drain();
  await out.fh.close(); // the next write hits a closed descriptor
  let after = 0;
  out.append([Buffer.alloc(10, 2)]);
  out.append([Buffer.alloc(10, 3)], () => { after++; });
  await t.rejects(out.drain(), { code: 'ERR_WRITE' }, 'drain reports the failed write');
  await t.rejects(out.commit(), { code: 'ERR_WRITE' }, 'and so does commit');
  t.equal(after, 0, 'writes queued after the failed one do not run');
  await out.abort();
  t.same(readdirSync(dir), [], 'abort removes the temp file; no output');
});
