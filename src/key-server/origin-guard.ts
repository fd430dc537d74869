import { isLoopbackHost } from '../keys/speke/http-transport.js';

export { isLoopbackHost };

/** Names that reach this machine only. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'] as const;

/** True for addresses that listen on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/**
 * The host name of a Host header (`name`, `name:port`, `[v6]:port`), lowercased, or undefined
 * when it is not one.
 */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::\d{1,5})?$/.exec(header.trim());
  if (!m) return undefined;
  return (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '');
}

/**
 * The Host header check against DNS rebinding: a page on attacker.example whose name now points
 * at 127.0.0.1 sends `Host: attacker.example`, which is not on the list.
 */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  const name = hostName(header);
  return name !== undefined && allowed.has(name);
}

/** Lowercased host names from the options: loopback names, the listen host unless wildcard, extras. */
export function allowedHostSet(listenHost: string, extra: readonly string[] = []): Set<string> {
  const out = new Set<string>(LOOPBACK_NAMES);
  const listen = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (!isWildcardHost(listen)) out.add(listen);
  for (const h of extra) out.add(h.replace(/^\[|\]$/g, '').toLowerCase());
  return out;
}
