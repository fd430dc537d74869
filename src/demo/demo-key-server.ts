import { startKeyServer, type KeyServer } from '../key-server/index.js';

/**
 * The demo's key server: loopback, any free port, and no fixed secret, so the server draws 32
 * random bytes for this run and no demo key is derivable after it (a secret in the source would
 * let anyone derive every key the demo ever made).
 */
export function startDemoKeyServer(): Promise<KeyServer> {
  return startKeyServer({ host: '127.0.0.1', port: 0 });
}
