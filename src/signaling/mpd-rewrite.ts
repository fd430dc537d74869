import { MediaError } from '../errors.js';
import { DASH_NAMESPACES, prefixesUsed, renderContentProtection, type ContentProtectionElement, type DashPrefix } from './dash-content-protection.js';
import type { MpdAdaptationSet, MpdModel, MpdRepresentation } from './mpd-model.js';
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
 * How one AdaptationSet is protected: the elements for the whole set, or, when its
 * Representations use different keys, one group per key. DASH-IF IOP (v4.3 7.7.2) wants one
 * default_KID per AdaptationSet, so a set with several keys is split into one AdaptationSet per
 * group (as AWS MediaPackage does): each copy keeps only its group's Representations.
 */
export type SetProtection = ContentProtectionElement[] | { representations: MpdRepresentation[]; elements: ContentProtectionElement[] }[];

/**
 * Rewrite an MPD as text: ContentProtection elements inserted at AdaptationSet level (after any
 * FramePacking/AudioChannelConfiguration, which precede it in RepresentationBaseType, ISO/IEC
 * 23009-1 Table 9), AdaptationSets split by key where asked, namespace declarations added to the
 * MPD element, attribute values replaced. Every other byte of the document is kept. `protect`
 * returns the protection of an AdaptationSet, or undefined to leave it clear.
 */
export function rewriteMpd(
  text: string,
  model: MpdModel,
  protect: (set: MpdAdaptationSet, index: number) => SetProtection | undefined,
  attributeEdits: AttributeEdit[] = [],
): string {
  const edits: TextEdit[] = [];
  const prefixes = new Set<DashPrefix>();
  const attrEdits = attributeEdits.map((e) => {
    const a = e.element.open.attrs.get(e.name);
    if (!a) throw new MediaError('ERR_MPD_ATTRIBUTE', `${e.element.name}@${e.name} is not present to update`, { where: e.element.name });
    return { at: a.valueStart, remove: a.valueEnd - a.valueStart, insert: escapeXmlAttr(e.value) };
  });
  const splitRanges: { start: number; end: number }[] = [];
  let nextId = maxAdaptationSetId(model) + 1;
  model.adaptationSets.forEach((set, i) => {
    const p = protect(set, i);
    if (!p || p.length === 0) return;
    if (set.hasContentProtection) {
      throw new MediaError('ERR_ALREADY_ENCRYPTED', `${set.path} already carries ContentProtection: the package is already encrypted`, { where: set.path });
    }
    const groups = isGrouped(p) ? p.filter((g) => g.elements.length > 0) : [{ representations: set.representations, elements: p }];
    for (const g of groups) for (const x of prefixesUsed(g.elements)) prefixes.add(x);
    if (groups.length === 1 && groups[0]!.representations.length === set.representations.length) {
      edits.push(insertIntoAdaptationSet(text, set, groups[0]!.elements));
      return;
    }
    const start = set.element.open.start;
    const end = set.element.close.end;
    const inside = attrEdits.filter((e) => e.at >= start && e.at < end);
    const copies = groups.map((g, gi) => {
      const local: TextEdit[] = [insertIntoAdaptationSet(text, set, g.elements), ...inside];
      for (const r of set.representations) if (!g.representations.includes(r)) local.push(removeElement(text, r.element));
      const id = set.element.open.attrs.get('id');
      if (id && gi > 0) local.push({ at: id.valueStart, remove: id.valueEnd - id.valueStart, insert: String(nextId++) });
      return applyEdits(text, local, start, end);
    });
    const indent = /([^\S\r\n]*)$/.exec(text.slice(0, start))![1]!;
    const newline = /\r\n/.test(text) ? '\r\n' : '\n';
    edits.push({ at: start, remove: end - start, insert: copies.join(newline + indent) });
    splitRanges.push({ start, end });
  });
  for (const e of attrEdits) if (!splitRanges.some((r) => e.at >= r.start && e.at < r.end)) edits.push(e);
  const ns = namespaceEdit(text, model.root, [...prefixes]);
  if (ns) edits.push(ns);
  return applyEdits(text, edits, 0, text.length);
}

function isGrouped(p: SetProtection): p is { representations: MpdRepresentation[]; elements: ContentProtectionElement[] }[] {
  return p.length > 0 && 'representations' in p[0]!;
}

/** Apply non-overlapping edits to text[start, end), returning that slice rewritten. */
function applyEdits(text: string, edits: TextEdit[], start: number, end: number): string {
  // From the end backwards; at one position the removal goes first, so an insertion there is kept.
  const sorted = [...edits].sort((a, b) => b.at - a.at || b.remove - a.remove);
  let out = text.slice(start, end);
  for (const e of sorted) out = out.slice(0, e.at - start) + e.insert + out.slice(e.at - start + e.remove);
  return out;
}

/** Remove an element with the whitespace that leads it on its line. */
function removeElement(text: string, el: XmlElement): TextEdit {
  let at = el.open.start;
  while (at > 0 && (text[at - 1] === ' ' || text[at - 1] === '\t')) at--;
  if (at > 0 && text[at - 1] === '\n') { at--; if (at > 0 && text[at - 1] === '\r') at--; }
  return { at, remove: el.close.end - at, insert: '' };
}

function maxAdaptationSetId(model: MpdModel): number {
  let max = 0;
  for (const s of model.adaptationSets) {
    const v = Number(s.element.open.attrs.get('id')?.value);
    if (Number.isInteger(v) && v > max) max = v;
  }
  return max;
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
