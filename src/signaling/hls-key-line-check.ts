import { KeyError } from '../errors.js';

/**
 * What a key server hands us for a playlist is checked before it goes in: a compromised or buggy
 * server must not be able to add playlist lines (a newline) or attributes (a quote in a value).
 */

/**
 * RFC 8216 4.2 attribute values: a quoted-string (no '"', CR or LF), or an unquoted one
 * (hexadecimal-sequence, decimal, enumerated-string: no quote, comma or whitespace), ending at a
 * comma or the end of the line.
 */
const VALUE = /^(?:"[^"\r\n]*"|[^",\s]+)(?=,|$)/;
const NAME = /^[A-Z0-9-]+/;
const METHODS = new Set(['AES-128', 'SAMPLE-AES', 'SAMPLE-AES-CTR']);

/**
 * A key server's `#EXT-X-KEY` (media) or `#EXT-X-SESSION-KEY` (master) line, accepted only when it
 * is one well-formed tag: the right tag name, an attribute list of NAME=value pairs with no
 * duplicate name, only printable characters, METHOD equal to ours and a quoted URI. Returns the
 * line; throws ERR_HLS_SIGNALING naming the DRM system and line (never echoing the line).
 */
export function checkedKeyLine(line: string, tag: '#EXT-X-KEY' | '#EXT-X-SESSION-KEY', method: string, where: string): string {
  const fail = (why: string): never => {
    throw new KeyError('ERR_HLS_SIGNALING', `${where}: the key server's ${tag} line is refused: ${why}`, { where });
  };
  if (/[\u0000-\u001f\u007f]/.test(line)) fail('it has control characters');
  if (!line.startsWith(`${tag}:`)) fail(`it is not a ${tag} tag`);
  const attrs = new Map<string, string>();
  let rest = line.slice(tag.length + 1);
  for (;;) {
    const name = NAME.exec(rest)?.[0];
    if (!name || rest[name.length] !== '=') fail('its attribute list is malformed (RFC 8216 4.2)');
    rest = rest.slice(name!.length + 1);
    const value = VALUE.exec(rest)?.[0];
    if (value === undefined) fail(`attribute ${name} has a malformed value`);
    if (attrs.has(name!)) fail(`attribute ${name} appears twice`);
    attrs.set(name!, value!);
    rest = rest.slice(value!.length);
    if (rest === '') break;
    if (rest[0] !== ',') fail('its attribute list is malformed (RFC 8216 4.2)');
    rest = rest.slice(1);
  }
  const m = attrs.get('METHOD');
  if (!m || !METHODS.has(m)) fail('METHOD is missing or not AES-128, SAMPLE-AES or SAMPLE-AES-CTR');
  if (m !== method) fail(`METHOD=${m} does not match the encryption (${method})`);
  const uri = attrs.get('URI');
  if (!uri || !uri.startsWith('"')) fail('URI is missing or not a quoted-string');
  for (const k of ['KEYFORMAT', 'KEYFORMATVERSIONS']) {
    const v = attrs.get(k);
    if (v !== undefined && !v.startsWith('"')) fail(`${k} is not a quoted-string`);
  }
  // KEYFORMAT="" (AWS's reference key server writes it for AES-128) is not a key format players
  // know; absent, it means "identity" (RFC 8216 4.3.2.4): drop the empty attribute.
  if (attrs.get('KEYFORMAT') === '""') return line.replace(/,KEYFORMAT=""(?=,|$)/, '');
  return line;
}

/**
 * A URI for a quoted-string: '"', control characters and whitespace percent-encoded (RFC 3986
 * allows none of them raw), so the value can neither end the attribute nor the line.
 */
export function quotableUri(uri: string): string {
  return uri.replace(/["\u0000-\u0020\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A KEYFORMAT / KEYFORMATVERSIONS value from a key server: printable, no quote. */
export function checkedQuotedValue(value: string | undefined, what: string, where: string): string | undefined {
  if (value !== undefined && /["\u0000-\u001f\u007f]/.test(value)) {
    throw new KeyError('ERR_HLS_SIGNALING', `${where}: the key server's ${what} has a quote or control characters; refused`, { where });
  }
  return value;
}
