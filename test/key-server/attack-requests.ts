/** Requests an attacker (or a heavy client) sends to the reference key server, shared by its tests. */
import http from 'node:http';

/** A KID as a UUID from an index: distinct for every i. */
export function kidUuid(i: number): string {
  return `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
}

/** A SPEKE v1 request with n ContentKeys and no DRMSystem (each then gets the four default systems). */
export function v1Request(n: number, contentId = 'load', extra = ''): string {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(`<cpix:ContentKey kid="${kidUuid(i)}"/>`);
  return `<cpix:CPIX id="${contentId}" xmlns:cpix="urn:dashif:org:cpix"><cpix:ContentKeyList>${keys.join('')}</cpix:ContentKeyList>${extra}</cpix:CPIX>`;
}

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/** One request with full control of the headers (Host, Origin), no connection reuse. */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
