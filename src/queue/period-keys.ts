/**
 * Key rotation on a queue worker: a job names the key periods it needs; each period's keys are
 * asked of the worker's own key source once (per runner) and added to the runner's key set, and
 * the job's KIDs are checked against what the source gave.
 */
import { KeyError } from '../errors.js';
import type { KeyProvider, KeySet } from '../keys/content-key.js';
import type { KeyReference, PackageJobRunner } from '../api/package-jobs.js';

/** Every KID the coordinator used is in the worker's keys (else its key source differs). */
export function checkKids(set: KeySet, kids: string[]): void {
  const have = new Set(set.keys.map((k) => k.kid.toString('hex')));
  const missing = kids.filter((k) => !have.has(k));
  if (missing.length > 0) {
    throw new KeyError('ERR_QUEUE_KEY_MISSING', `this worker's key source has no key for KID ${missing.join(', ')} (start every worker with the coordinator's key source)`, { where: 'worker key source' });
  }
}

export class PeriodKeys {
  private readonly fetched = new WeakMap<PackageJobRunner, Map<string, Promise<void>>>();

  constructor(private readonly provider: KeyProvider) {}

  /** The runner, holding the keys of every period `ref` names. */
  async add(runner: PackageJobRunner, ref: KeyReference): Promise<PackageJobRunner> {
    const { kids, periods = [], ...request } = ref;
    let done = this.fetched.get(runner);
    if (!done) { done = new Map(); this.fetched.set(runner, done); }
    await Promise.all(periods.map(({ kids: periodKids, ...period }) => {
      let f = done.get(period.id);
      if (!f) {
        f = this.provider.getKeys({ ...request, ...(periodKids.length > 0 ? { kids: periodKids } : {}), period }).then((set) => runner.addKeys(set));
        const mine = f;
        f.catch(() => { if (done.get(period.id) === mine) done.delete(period.id); });
        done.set(period.id, f);
      }
      return f;
    }));
    checkKids(runner.keys, kids);
    return runner;
  }
}
