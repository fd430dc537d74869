/**
 * Keeps the bench working: `npm run bench -- --quick` on tiny generated inputs must run every
 * available row, and every output it made must pass the oracle checks. No timing is asserted.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../oracles/run-tool.js';
import type { BenchResult } from '../../bench/results-model.js';

// The checkout (also from the compiled mirror .test-build/, where bench/.cache may not exist yet): bench
// inputs and results live in its bench/.cache.
const repo = REPO_ROOT;

t.test('bench --quick runs every available row and its outputs decrypt', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'bench', 'run.ts'), '--quick'], {
    cwd: repo, encoding: 'utf8', timeout: 240_000, // ~50 s quiet; 152 s seen at load 25 (tap's file limit is 300 s)
  });
  t.equal(r.status, 0, `bench --quick exits 0\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  const file = join(repo, 'bench', '.cache', 'quick-results', 'latest.json');
  t.ok(existsSync(file), 'writes latest.json');
  const res = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  t.equal(res.mode, 'quick');
  t.same(res.rows.filter((x) => x.status === 'failed').map((x) => `${x.tool} ${x.job}: ${x.note}`), [], 'no row failed');
  t.same(res.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`), [], 'every check passed');
  // The ceilings need only cp and openssl: they always run, so the measuring itself is exercised.
  for (const id of ['cp-fmp4', 'cp-ts', 'openssl-speed-aes-128-ctr', 'openssl-enc-ctr-fmp4']) {
    const row = res.rows.find((x) => x.id === id);
    t.equal(row?.status, 'ok', `${id} ran`);
    t.ok((row?.mbPerS ?? 0) > 0, `${id} has a throughput`);
  }
  t.ok(res.rows.find((x) => x.id === 'cp-fmp4')?.peakRss, 'peak RSS was measured');
  // segcrypt's own rows are the point of the bench: the fMP4 CLI rows and the API rows must have run.
  for (const id of ['cenc-fmp4', 'cbcs-fmp4', 'cens-fmp4', 'cbc1-fmp4', 'aes-128-ts', 'sample-aes-ts']) {
    t.equal(res.rows.find((x) => x.id === `segcrypt-${id}`)?.status, 'ok', `segcrypt ${id} ran`);
  }
  // The Node floor ran and wrote openssl enc's bytes (an independent check of the floor itself).
  for (const id of ['node-floor-ctr-fmp4', 'node-floor-cbc-ts']) t.equal(res.rows.find((x) => x.id === id)?.status, 'ok', `${id} ran`);
  const sameBytes = res.checks.filter((c) => c.name.startsWith('Node floor') && c.name.endsWith('the bytes openssl enc wrote'));
  t.same(sameBytes.map((c) => c.ok), [true, true], 'both Node floor outputs were compared with openssl enc\'s, and are its bytes');
  // The profiled rows: a main-thread profile each, the cbcs idle share evaluated as a target.
  t.same(res.profiles?.map((p) => p.id), ['segcrypt-cbcs-fmp4', 'segcrypt-cenc-fmp4', 'segcrypt-aes-128-ts'], 'profiles of the hard rows');
  t.ok(res.profiles?.every((p) => p.top.length > 0 && p.idle.every((x) => x >= 0 && x <= 1)), 'each profile has frames and an idle share');
  t.notOk(res.targets.find((x) => x.target.startsWith('fMP4 cbcs: main thread idle'))?.met === null, 'the idle target was measured');
  t.ok(res.latency.rows.length >= 4, `per-segment API rows ran (${res.latency.note ?? 'ok'})`);
  t.ok(res.checks.some((c) => c.name.startsWith('segcrypt fMP4 cenc')), 'segcrypt cenc output went through the ffmpeg check');
  t.ok(readFileSync(join(repo, 'bench', '.cache', 'quick-results', 'latest.svg'), 'utf8').startsWith('<svg'), 'writes the chart');
  t.match(readFileSync(join(repo, 'bench', '.cache', 'quick-results', 'latest.md'), 'utf8'), /## Targets \(issue 15\)/, 'writes the report');
});
