import { removeTempOutputsSync } from '../api/index.js';
import { EXIT } from './exit-codes.js';

/**
 * Run `work` so that SIGINT/SIGTERM remove every temp output (files and package folders) before
 * exiting 130/143: an interrupted run leaves nothing behind, the output only appears on success.
 */
export async function withInterruptCleanup<T>(work: () => Promise<T>, beforeExit: () => void = () => {}): Promise<T> {
  const interrupted = (signal: NodeJS.Signals): void => {
    beforeExit();
    removeTempOutputsSync();
    process.stderr.write(`segcrypt: interrupted by ${signal}\n`);
    process.exit(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await work();
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/**
 * Resolves with the first SIGINT or SIGTERM `signals` emits (long-running commands: key-server, serve,
 * worker), and stops listening for both.
 */
export function untilStopSignal(signals: NodeJS.EventEmitter = process): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (s: NodeJS.Signals): void => { signals.off('SIGINT', stop); signals.off('SIGTERM', stop); resolve(s); };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
}
