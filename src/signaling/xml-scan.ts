import { decodeXmlEntities } from '../keys/index.js';
import { MediaError } from '../errors.js';

/**
 * A start or end tag located in an XML text, by offsets. The MPD rewrite inserts text at these
 * offsets so everything else in the document stays byte for byte; fast-xml-parser validates the
 * document and gives the model, this scanner only finds where things are.
 */
export interface XmlTag {
  kind: 'start' | 'end';
  /** Local name (namespace prefix removed). */
  name: string;
  /** Offset of '<'. */
  start: number;
  /** Offset one past '>'. */
  end: number;
  selfClosing: boolean;
  /** Nesting depth of the element (root = 0). */
  depth: number;
  /** Attributes of a start tag, by qualified name, with their value offsets in the text. */
  attrs: Map<string, XmlAttr>;
}

export interface XmlAttr {
  value: string;
  /** Offset of the whitespace before the name (for inserting a sibling in the same style). */
  leadStart: number;
  nameStart: number;
  valueStart: number;
  valueEnd: number;
}

const NAME = /[^\s/>=]+/y;
const ATTR = /\s*([^\s/>=]+)\s*=\s*(["'])/y;

/**
 * Walk every tag of a well-formed document (validate it first). Comments, CDATA sections and
 * processing instructions are skipped; a DOCTYPE is refused (no entity expansion, ever).
 */
export function scanXmlTags(text: string, where: string): XmlTag[] {
  const tags: XmlTag[] = [];
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) { i = skipTo(text, '-->', i, where); continue; }
    if (text.startsWith('<![CDATA[', i)) { i = skipTo(text, ']]>', i, where); continue; }
    if (text.startsWith('<?', i)) { i = skipTo(text, '?>', i, where); continue; }
    if (text.startsWith('<!', i)) {
      throw new MediaError('ERR_XML_DOCTYPE', `${where}: a DOCTYPE or other declaration at offset ${i} is not accepted`, { where: `${where} offset ${i}` });
    }
    const isEnd = text[i + 1] === '/';
    NAME.lastIndex = i + (isEnd ? 2 : 1);
    const m = NAME.exec(text);
    if (!m) throw new MediaError('ERR_XML_PARSE', `${where}: malformed tag at offset ${i}`, { where: `${where} offset ${i}` });
    const qname = m[0];
    const name = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
    let p = NAME.lastIndex;
    const attrs: XmlTag['attrs'] = new Map();
    if (!isEnd) {
      for (;;) {
        ATTR.lastIndex = p;
        const a = ATTR.exec(text);
        if (!a) break;
        const quote = a[2]!;
        const valueStart = ATTR.lastIndex;
        const valueEnd = text.indexOf(quote, valueStart);
        if (valueEnd === -1) throw new MediaError('ERR_XML_PARSE', `${where}: unterminated attribute ${a[1]} at offset ${p}`, { where: `${where} offset ${p}` });
        const nameStart = p + a[0].indexOf(a[1]!);
        attrs.set(a[1]!, { value: text.slice(valueStart, valueEnd), leadStart: p, nameStart, valueStart, valueEnd });
        p = valueEnd + 1;
      }
    }
    const close = text.indexOf('>', p);
    if (close === -1) throw new MediaError('ERR_XML_PARSE', `${where}: unterminated tag <${qname}> at offset ${i}`, { where: `${where} offset ${i}` });
    const selfClosing = !isEnd && text[close - 1] === '/';
    if (isEnd) depth--;
    tags.push({ kind: isEnd ? 'end' : 'start', name, start: i, end: close + 1, selfClosing, depth, attrs });
    if (!isEnd && !selfClosing) depth++;
    i = text.indexOf('<', close + 1);
  }
  return tags;
}

function skipTo(text: string, terminator: string, from: number, where: string): number {
  const e = text.indexOf(terminator, from);
  if (e === -1) throw new MediaError('ERR_XML_PARSE', `${where}: unterminated construct at offset ${from}`, { where: `${where} offset ${from}` });
  return text.indexOf('<', e + terminator.length);
}

/**
 * Decode the five predefined entities and character references in an attribute value: the same
 * bounded, non-recursive decoder the CPIX reader uses (an out-of-range reference decodes to nothing
 * instead of throwing).
 */
export function decodeXmlText(s: string): string {
  return decodeXmlEntities(s);
}

export function escapeXmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
