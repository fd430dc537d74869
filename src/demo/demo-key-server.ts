import { randomBytes } from 'node:crypto';
import { startKeyServer, type KeyServer } from '../key-server/index.js';

/**
 * The demo's key server: loopback, any free port, and a secret drawn for this run (32 random
 * bytes; never one in the source, which would let anyone derive every key the demo ever made).
 * The demo keeps it beside its output, mode 0600 (key-server.secret), so that `segcrypt serve`
 * can answer license requests for these packages later: whoever can read that folder can derive
 * its keys, as they could play it.
 */
export async function startDemoKeyServer(): Promise<{ server: KeyServer; secret: Buffer }> {
  const secret = randomBytes(32);
  return { server: await startKeyServer({ host: '127.0.0.1', port: 0, secret }), secret };
}
