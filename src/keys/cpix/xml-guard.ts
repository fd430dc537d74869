import { fastXml } from '../../fast-xml.js';
import { KeyError } from '../../errors.js';

/** Large enough for hundreds of keys with every DRM system's signaling; small enough to refuse floods. */
export const MAX_CPIX_BYTES = 1024 * 1024;

export type XmlNode = Record<string, unknown>;

/**
 * Parse untrusted XML safely: size cap, no DOCTYPE/ENTITY at all (billion laughs and external
 * entities never reach the parser), entity processing off, namespace prefixes dropped so that
 * `cpix:ContentKey`, `ContentKey` and `x:ContentKey` read alike.
 */
export function parseUntrustedXml(input: string | Buffer, what: string, maxBytes = MAX_CPIX_BYTES): XmlNode {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) {
    throw new KeyError('ERR_CPIX_TOO_LARGE', `${what} is ${size} bytes, over the ${maxBytes}-byte limit`, { where: what });
  }
  const text = decodeXmlText(input);
  const dtd = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (dtd) {
    throw new KeyError('ERR_CPIX_DOCTYPE', `${what} contains a <!${dtd[1]!.toUpperCase()}> declaration at offset ${dtd.index}; DTDs and entities are refused`, { where: what });
  }
  const { XMLParser, XMLValidator } = fastXml();
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) {
    const e = valid.err;
    throw new KeyError('ERR_CPIX_PARSE', `${what} is not well-formed XML: ${e.msg} (line ${e.line}, column ${e.col})`, { where: `${what} line ${e.line}` });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: false,
    isArray: (_name, jpath) => typeof jpath === 'string' && REPEATED.has(jpath.split('.').pop()!),
  });
  try {
    return parser.parse(text) as XmlNode;
  } catch (e) {
    throw new KeyError('ERR_CPIX_PARSE', `${what} could not be parsed: ${(e as Error).message}`, { where: what, cause: e });
  }
}

/** Elements that may repeat; always arrays after parsing. */
const REPEATED = new Set([
  'DeliveryData', 'ContentKey', 'DRMSystem', 'ContentKeyPeriod', 'ContentKeyUsageRule',
  'KeyPeriodFilter', 'VideoFilter', 'AudioFilter', 'HLSSignalingData', 'LabelFilter', 'BitrateFilter',
]);

/** UTF-8 unless a BOM says UTF-16 (CPIX documents may be UTF-16, as a DASH-IF test vector is). */
function decodeXmlText(input: string | Buffer): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if (input.length >= 2 && input[0] === 0xff && input[1] === 0xfe) return input.toString('utf16le', 2);
  if (input.length >= 2 && input[0] === 0xfe && input[1] === 0xff) {
    const swapped = Buffer.from(input.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return input.toString('utf8').replace(/^\uFEFF/, '');
}

/** Text content of a parsed node ('' for an empty element, undefined when absent). */
export function textOf(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return decodePredefinedEntities(node);
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return textOf(node[0]);
  if (typeof node === 'object') {
    const t = (node as XmlNode)['#text'];
    return t === undefined ? '' : decodePredefinedEntities(String(t));
  }
  return undefined;
}

export function attrOf(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const v = (node as XmlNode)[`@${name}`];
  return v === undefined ? undefined : decodePredefinedEntities(String(v));
}

/**
 * Entity processing is off in the parser; the five predefined entities and character
 * references are expanded here, one pass, no recursion (nothing can grow).
 */
export function decodePredefinedEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (_m, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: {
        const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      }
    }
  });
}

export function childOf(node: unknown, name: string): unknown {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const v = (node as XmlNode)[name];
  return v === '' ? {} : v;
}

export function childrenOf(node: unknown, name: string): unknown[] {
  const v = childOf(node, name);
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map((x) => (x === '' ? {} : x)) : [v];
}
