import { MediaError } from '../errors.js';
import { DASH_NAMESPACES, prefixesUsed, renderContentProtection, type ContentProtectionElement, type DashPrefix } from './dash-content-protection.js';
import type { MpdAdaptationSet, MpdModel } from './mpd-model.js';
import { escapeXmlAttr } from './xml-scan.js';
import type { XmlElement } from './xml-tree.js';

/** Set an attribute of an element already in the document (e.g. SegmentBase@indexRange). */
export interface AttributeEdit {
  element: XmlElement;
  name: string;
  value: string;
}

interface TextEdit { at: number; remove: number; insert: string }

/**
 * Rewrite an MPD as text: ContentProtection elements inserted at AdaptationSet level (after any
 * FramePacking/AudioChannelConfiguration, which precede it in RepresentationBaseType, ISO/IEC
 * 23009-1 Table 9), namespace declarations added to the MPD element, attribute values replaced.
 * Every other byte of the document is kept. `protect` returns the elements for an
 * AdaptationSet, or undefined to leave it clear.
 */
export function rewriteMpd(
  text: string,
  model: MpdModel,
  protect: (set: MpdAdaptationSet, index: number) => ContentProtectionElement[] | undefined,
  attributeEdits: AttributeEdit[] = [],
): string {
  const edits: TextEdit[] = [];
  const prefixes = new Set<DashPrefix>();
  model.adaptationSets.forEach((set, i) => {
    const elements = protect(set, i);
    if (!elements || elements.length === 0) return;
    if (set.hasContentProtection) {
      throw new MediaError('ERR_ALREADY_ENCRYPTED', `${set.path} already carries ContentProtection: the package is already encrypted`, { where: set.path });
    }
    for (const p of prefixesUsed(elements)) prefixes.add(p);
    edits.push(insertIntoAdaptationSet(text, set, elements));
  });
  for (const e of attributeEdits) {
    const a = e.element.open.attrs.get(e.name);
    if (!a) throw new MediaError('ERR_MPD_ATTRIBUTE', `${e.element.name}@${e.name} is not present to update`, { where: e.element.name });
    edits.push({ at: a.valueStart, remove: a.valueEnd - a.valueStart, insert: escapeXmlAttr(e.value) });
  }
  const ns = namespaceEdit(text, model.root, [...prefixes]);
  if (ns) edits.push(ns);
  edits.sort((a, b) => b.at - a.at);
  let out = text;
  for (const e of edits) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
  return out;
}

const BEFORE_CONTENT_PROTECTION = new Set(['FramePacking', 'AudioChannelConfiguration']);

function insertIntoAdaptationSet(text: string, set: MpdAdaptationSet, elements: ContentProtectionElement[]): TextEdit {
  const as = set.element;
  if (as.open.selfClosing) {
    throw new MediaError('ERR_MPD_ADAPTATION_SET', `${set.path} is empty: nothing to protect`, { where: set.path });
  }
  const leading = as.children.filter((c, i) => BEFORE_CONTENT_PROTECTION.has(c.name) && as.children.slice(0, i).every((p) => BEFORE_CONTENT_PROTECTION.has(p.name)));
  const anchor = leading.length > 0 ? leading[leading.length - 1]!.close.end : as.open.end;
  const first = as.children[0];
  const gap = first ? text.slice(as.open.end, first.open.start) : '';
  const m = /^(?:[^\S\r\n]*)(\r?\n)([^\S\r\n]*)$/.exec(gap);
  if (!m) return { at: anchor, remove: 0, insert: renderContentProtection(elements, '', '', '') };
  const newline = m[1]!;
  const childIndent = m[2]!;
  const asIndent = /([^\S\r\n]*)$/.exec(text.slice(0, as.open.start))![1]!;
  const unit = childIndent.startsWith(asIndent) && childIndent.length > asIndent.length ? childIndent.slice(asIndent.length) : '  ';
  return { at: anchor, remove: 0, insert: newline + renderContentProtection(elements, childIndent, unit, newline) };
}

/** Declare the namespaces the new elements use on the MPD element, in the tag's own layout. */
function namespaceEdit(text: string, root: XmlElement, prefixes: DashPrefix[]): TextEdit | undefined {
  const missing: DashPrefix[] = [];
  for (const p of prefixes) {
    const existing = root.open.attrs.get(`xmlns:${p}`);
    if (existing === undefined) missing.push(p);
    else if (existing.value !== DASH_NAMESPACES[p]) {
      throw new MediaError('ERR_MPD_NAMESPACE', `MPD binds prefix "${p}" to "${existing.value}", not ${DASH_NAMESPACES[p]}`, { where: `MPD@xmlns:${p}` });
    }
  }
  if (missing.length === 0) return undefined;
  const attrs = [...root.open.attrs.values()];
  const last = attrs.reduce((a, b) => (b.valueEnd > a.valueEnd ? b : a), attrs[0]!);
  // Copy the separator in front of the last attribute (" " or "\n\t"), so the tag keeps its look.
  const sep = last ? text.slice(last.leadStart, last.nameStart) || ' ' : ' ';
  const at = last ? last.valueEnd + 1 : root.open.start + 1 + root.open.name.length;
  return { at, remove: 0, insert: missing.map((p) => `${sep}xmlns:${p}="${DASH_NAMESPACES[p]}"`).join('') };
}
