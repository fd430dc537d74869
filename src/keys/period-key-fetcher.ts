/**
 * Keys of a live channel, period by period, fetched ahead: asking for period p returns its keys and
 * starts fetching period p+1 in the background (as live packagers do), so a key boundary never waits
 * on the key server. Each period is fetched once; a failed fetch is forgotten so the next ask
 * retries it (the provider's own transport already retried), and a failed look-ahead is never
 * surfaced until that period is actually asked for.
 */
import { UsageError } from '../errors.js';
import type { KeyProvider, KeyRequest, KeySet } from './content-key.js';
import { keyPeriodOf } from './key-period.js';

export class PeriodKeyFetcher {
  private readonly fetches = new Map<number, Promise<KeySet>>();

  constructor(private readonly provider: KeyProvider, private readonly request: Omit<KeyRequest, 'period'>, private readonly lookAhead = 1) {
    if (!Number.isInteger(lookAhead) || lookAhead < 0 || lookAhead > 16) {
      throw new UsageError('ERR_KEY_PERIOD', `lookAhead must be an integer from 0 to 16, got ${String(lookAhead)}`, { where: 'lookAhead' });
    }
  }

  /** The keys of period `index`; periods index+1 .. index+lookAhead start fetching now. */
  keysFor(index: number): Promise<KeySet> {
    if (!Number.isInteger(index) || index < 0) throw new UsageError('ERR_KEY_PERIOD', `a key period index is an integer >= 0, got ${String(index)}`, { where: 'period' });
    const own = this.fetch(index);
    for (let i = 1; i <= this.lookAhead; i++) this.fetch(index + i).catch(() => undefined);
    return own;
  }

  /** Whether period `index` has been asked of the key server (now or ahead). */
  requested(index: number): boolean {
    return this.fetches.has(index);
  }

  private fetch(index: number): Promise<KeySet> {
    let f = this.fetches.get(index);
    if (!f) {
      f = this.provider.getKeys({ ...this.request, period: keyPeriodOf(undefined, index) });
      this.fetches.set(index, f);
      f.catch(() => { if (this.fetches.get(index) === f) this.fetches.delete(index); });
    }
    return f;
  }
}
