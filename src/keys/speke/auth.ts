import { UsageError } from '../../errors.js';
import { createSigV4Signer, type SigV4Options, type SignableRequest } from './sigv4.js';

/** How the SPEKE client authenticates; every mode ends as headers added to the request. */
export type SpekeAuth =
  | { type: 'none' }
  | { type: 'basic'; user: string; pass: string }
  | { type: 'bearer'; token: string }
  | { type: 'header'; name: string; value: string }
  | ({ type: 'sigv4' } & SigV4Options);

export type HeaderSigner = (req: SignableRequest) => Promise<Record<string, string>>;

/**
 * Parse the CLI form: `basic:USER:PASS`, `bearer:TOKEN`, `header:NAME:VALUE`, `sigv4:REGION`.
 * Error messages name the mode, never the secret.
 */
export function parseAuthSpec(spec: string | undefined, extra: Partial<SigV4Options> = {}): SpekeAuth {
  if (spec === undefined || spec === '' || spec === 'none') return { type: 'none' };
  const colon = spec.indexOf(':');
  const mode = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (mode) {
    case 'basic': {
      const c = rest.indexOf(':');
      if (c <= 0) throw new UsageError('ERR_AUTH_SPEC', '--auth basic needs basic:USER:PASS', { where: '--auth' });
      return { type: 'basic', user: rest.slice(0, c), pass: rest.slice(c + 1) };
    }
    case 'bearer':
      if (!rest) throw new UsageError('ERR_AUTH_SPEC', '--auth bearer needs bearer:TOKEN', { where: '--auth' });
      return { type: 'bearer', token: rest };
    case 'header': {
      const c = rest.indexOf(':');
      if (c <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(rest.slice(0, c))) {
        throw new UsageError('ERR_AUTH_SPEC', '--auth header needs header:NAME:VALUE with a valid header name', { where: '--auth' });
      }
      return { type: 'header', name: rest.slice(0, c), value: rest.slice(c + 1) };
    }
    case 'sigv4':
    case 'sigv4a':
      if (!rest) throw new UsageError('ERR_AUTH_SPEC', `--auth ${mode} needs ${mode}:REGION`, { where: '--auth' });
      return { type: 'sigv4', ...extra, region: rest, ...(mode === 'sigv4a' ? { sigv4a: true } : {}) };
    default:
      throw new UsageError('ERR_AUTH_SPEC', `unknown --auth mode "${mode.slice(0, 20)}": use none, basic:USER:PASS, bearer:TOKEN, header:NAME:VALUE or sigv4:REGION`, { where: '--auth' });
  }
}

export function headerSignerFor(auth: SpekeAuth): HeaderSigner {
  switch (auth.type) {
    case 'none': return async (r) => r.headers;
    case 'basic': {
      const v = `Basic ${Buffer.from(`${auth.user}:${auth.pass}`, 'utf8').toString('base64')}`;
      return async (r) => ({ ...r.headers, authorization: v });
    }
    case 'bearer': return async (r) => ({ ...r.headers, authorization: `Bearer ${auth.token}` });
    case 'header': return async (r) => ({ ...r.headers, [auth.name.toLowerCase()]: auth.value });
    case 'sigv4': {
      const { type: _t, ...o } = auth;
      return createSigV4Signer(o);
    }
  }
}
