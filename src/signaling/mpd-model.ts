import { MediaError } from '../errors.js';
import type { TrackType } from '../keys/content-key.js';
import { attr, childrenNamed, elementPath, locateXml, textOf, type XmlElement } from './xml-tree.js';

/** SegmentTemplate attributes after inheritance (Period > AdaptationSet > Representation). */
export interface SegmentTemplateModel {
  initialization?: string;
  media?: string;
  startNumber: number;
  timescale: number;
  duration?: number;
  /** SegmentTimeline S entries, as written. */
  timeline?: { t?: number; d: number; r: number }[];
}

export interface SegmentBaseModel {
  element: XmlElement;
  indexRange?: string;
  initialization?: XmlElement;
}

export interface MpdRepresentation {
  id: string;
  bandwidth?: string;
  element: XmlElement;
  /** Relative path prefix from the BaseURL chain ('' when none). */
  baseUrl: string;
  template?: SegmentTemplateModel;
  segmentBase?: SegmentBaseModel;
}

export interface MpdAdaptationSet {
  element: XmlElement;
  path: string;
  trackType?: TrackType;
  contentType?: string;
  hasContentProtection: boolean;
  /** Period duration, else mediaPresentationDuration, in seconds. */
  durationSeconds?: number;
  representations: MpdRepresentation[];
}

export interface MpdModel {
  root: XmlElement;
  adaptationSets: MpdAdaptationSet[];
  /** mediaPresentationDuration (or the Period duration) in seconds, when given. */
  durationSeconds?: number;
}

/** Read an MPD into what segment enumeration and the rewrite need; offsets kept for the rewrite. */
export function parseMpd(text: string, where = 'MPD'): MpdModel {
  const root = locateXml(text, where);
  if (root.name !== 'MPD') throw new MediaError('ERR_MPD_ROOT', `${where}: root element is <${root.name}>, expected <MPD>`, { where });
  const mpdDuration = parseIsoDuration(attr(root, 'mediaPresentationDuration'));
  const rootBase = baseUrlOf(root, text, '');
  const adaptationSets: MpdAdaptationSet[] = [];
  for (const period of childrenNamed(root, 'Period')) {
    const periodBase = baseUrlOf(period, text, rootBase);
    const periodTemplate = templateOf(period, undefined);
    const durationSeconds = parseIsoDuration(attr(period, 'duration')) ?? mpdDuration;
    for (const as of childrenNamed(period, 'AdaptationSet')) {
      const asBase = baseUrlOf(as, text, periodBase);
      const asTemplate = templateOf(as, periodTemplate);
      const asBaseSeg = childrenNamed(as, 'SegmentBase')[0];
      const reps = childrenNamed(as, 'Representation').map((r): MpdRepresentation => {
        const id = attr(r, 'id');
        if (id === undefined) throw new MediaError('ERR_MPD_REPRESENTATION', `${elementPath(r)} has no id`, { where: elementPath(r) });
        const rep: MpdRepresentation = { id, element: r, baseUrl: baseUrlOf(r, text, asBase) };
        const bw = attr(r, 'bandwidth');
        if (bw !== undefined) rep.bandwidth = bw;
        const template = templateOf(r, asTemplate);
        if (template) rep.template = template;
        const sb = childrenNamed(r, 'SegmentBase')[0] ?? asBaseSeg;
        if (sb) {
          rep.segmentBase = { element: sb };
          const ir = attr(sb, 'indexRange');
          if (ir !== undefined) rep.segmentBase.indexRange = ir;
          const init = childrenNamed(sb, 'Initialization')[0];
          if (init) rep.segmentBase.initialization = init;
        }
        return rep;
      });
      const contentType = attr(as, 'contentType');
      const mime = attr(as, 'mimeType') ?? (reps[0] ? attr(reps[0].element, 'mimeType') : undefined);
      const set: MpdAdaptationSet = {
        element: as, path: elementPath(as), hasContentProtection: childrenNamed(as, 'ContentProtection').length > 0
          || reps.some((r) => childrenNamed(r.element, 'ContentProtection').length > 0),
        representations: reps,
      };
      if (contentType !== undefined) set.contentType = contentType;
      if (durationSeconds !== undefined) set.durationSeconds = durationSeconds;
      const tt = trackTypeOf(contentType, mime);
      if (tt) set.trackType = tt;
      adaptationSets.push(set);
    }
  }
  const model: MpdModel = { root, adaptationSets };
  if (mpdDuration !== undefined) model.durationSeconds = mpdDuration;
  return model;
}

function trackTypeOf(contentType: string | undefined, mime: string | undefined): TrackType | undefined {
  const t = contentType ?? mime?.split('/')[0];
  return t === 'video' || t === 'audio' ? t : undefined;
}

function baseUrlOf(el: XmlElement, text: string, inherited: string): string {
  const b = childrenNamed(el, 'BaseURL')[0];
  if (!b) return inherited;
  const v = textOf(b, text);
  if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.startsWith('/')) {
    throw new MediaError('ERR_MPD_BASEURL', `${elementPath(b)}: absolute BaseURL "${v}" is outside the package directory`, { where: elementPath(b) });
  }
  return inherited + v;
}

function num(el: XmlElement, name: string): number | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new MediaError('ERR_MPD_ATTRIBUTE', `${elementPath(el)}@${name}="${v}" is not a number`, { where: elementPath(el) });
  return n;
}

function templateOf(el: XmlElement, inherited: SegmentTemplateModel | undefined): SegmentTemplateModel | undefined {
  const st = childrenNamed(el, 'SegmentTemplate')[0];
  if (!st) return inherited;
  const out: SegmentTemplateModel = {
    ...inherited,
    startNumber: num(st, 'startNumber') ?? inherited?.startNumber ?? 1,
    timescale: num(st, 'timescale') ?? inherited?.timescale ?? 1,
  };
  const init = attr(st, 'initialization');
  if (init !== undefined) out.initialization = init;
  const media = attr(st, 'media');
  if (media !== undefined) out.media = media;
  const d = num(st, 'duration');
  if (d !== undefined) out.duration = d;
  const tl = childrenNamed(st, 'SegmentTimeline')[0];
  if (tl) {
    out.timeline = childrenNamed(tl, 'S').map((s) => {
      const entry: { t?: number; d: number; r: number } = { d: num(s, 'd') ?? NaN, r: num(s, 'r') ?? 0 };
      if (!Number.isFinite(entry.d)) throw new MediaError('ERR_MPD_ATTRIBUTE', `${elementPath(s)} has no d`, { where: elementPath(s) });
      const t = num(s, 't');
      if (t !== undefined) entry.t = t;
      return entry;
    });
  }
  return out;
}

/** xs:duration as used by MPDs (PnDTnHnMnS); undefined when absent. */
export function parseIsoDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(v.trim());
  if (!m) throw new MediaError('ERR_MPD_ATTRIBUTE', `duration "${v}" is not an xs:duration`, { where: 'MPD' });
  const [, y, mo, d, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return (y! * 365 + mo! * 30 + d!) * 86400 + h! * 3600 + mi! * 60 + s!;
}
