import { createRequire } from 'node:module';

type CliProgress = typeof import('cli-progress');

/** Work shorter than this shows no bar: a bar that flashes and vanishes is noise. */
const SHOW_AFTER_MS = 1000;

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A cli-progress bar on stderr for long work: only on a terminal, only when `enabled`, and only
 * once the work has run for a second. cli-progress is loaded then, not at start-up.
 */
export function progressBar(format: string, enabled: boolean, o: { stream?: NodeJS.WriteStream; now?: () => number } = {}): ProgressBar {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? Date.now;
  const since = now();
  let bar: InstanceType<CliProgress['SingleBar']> | undefined;
  const on = enabled && stream.isTTY === true;
  return {
    update(done, total) {
      if (!on) return;
      if (!bar) {
        if (now() - since < SHOW_AFTER_MS) return;
        const cliProgress = createRequire(import.meta.url)('cli-progress') as CliProgress;
        bar = new cliProgress.SingleBar({ stream, format, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() { bar?.stop(); bar = undefined; },
  };
}
