import { fastXml } from '../fast-xml.js';
import { MediaError } from '../errors.js';
import { decodeXmlText, scanXmlTags, type XmlTag } from './xml-scan.js';

/** An element of a located document: its start tag, its end tag (same tag when self-closing). */
export interface XmlElement {
  name: string;
  open: XmlTag;
  close: XmlTag;
  parent?: XmlElement;
  children: XmlElement[];
}

/** Manifests are small; anything bigger is not a manifest we should be holding in memory. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * Validate with fast-xml-parser (well-formedness; no DOCTYPE, so no entities to expand), then
 * locate every element by offsets. Returns the root element.
 */
export function locateXml(text: string, where: string): XmlElement {
  if (text.length > MAX_MANIFEST_BYTES) {
    throw new MediaError('ERR_MANIFEST_TOO_LARGE', `${where} is ${text.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte cap`, { where });
  }
  if (/<!DOCTYPE/i.test(text)) {
    throw new MediaError('ERR_XML_DOCTYPE', `${where}: DOCTYPE at offset ${text.search(/<!DOCTYPE/i)} is not accepted`, { where });
  }
  const v = fastXml().XMLValidator.validate(text);
  if (v !== true) {
    throw new MediaError('ERR_XML_PARSE', `${where}: not well-formed XML at line ${v.err.line}, column ${v.err.col}: ${v.err.msg}`, { where: `${where} line ${v.err.line}` });
  }
  const tags = scanXmlTags(text, where);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  for (const t of tags) {
    if (t.kind === 'start') {
      const el: XmlElement = { name: t.name, open: t, close: t, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) { el.parent = parent; parent.children.push(el); } else root ??= el;
      if (!t.selfClosing) stack.push(el);
    } else {
      const el = stack.pop();
      if (!el || el.name !== t.name) throw new MediaError('ERR_XML_PARSE', `${where}: unbalanced </${t.name}> at offset ${t.start}`, { where: `${where} offset ${t.start}` });
      el.close = t;
    }
  }
  if (!root) throw new MediaError('ERR_XML_PARSE', `${where}: no root element`, { where });
  return root;
}

export function attr(el: XmlElement, name: string): string | undefined {
  const a = el.open.attrs.get(name);
  return a === undefined ? undefined : decodeXmlText(a.value);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Text content of a leaf element (BaseURL). */
export function textOf(el: XmlElement, text: string): string {
  if (el.open.selfClosing) return '';
  return decodeXmlText(text.slice(el.open.end, el.close.start).trim());
}

/** Human-readable path for messages: MPD/Period[0]/AdaptationSet[1]. */
export function elementPath(el: XmlElement): string {
  const parts: string[] = [];
  for (let e: XmlElement | undefined = el; e; e = e.parent) {
    const siblings = e.parent ? e.parent.children.filter((c) => c.name === e!.name) : [e];
    parts.unshift(siblings.length > 1 || e.parent ? `${e.name}[${siblings.indexOf(e)}]` : e.name);
  }
  return parts.join('/');
}
