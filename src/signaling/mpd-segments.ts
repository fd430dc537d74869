import { MediaError } from '../errors.js';
import type { MpdRepresentation, SegmentTemplateModel } from './mpd-model.js';

/** One media segment a SegmentTemplate names: its path in the package and its number. */
export interface TemplateSegment {
  path: string;
  number: number;
  time?: number;
}

export interface RepresentationFiles {
  init?: string;
  media: TemplateSegment[];
  /** Matches any file name the media template can produce (segments beyond the listed ones). */
  mediaPattern?: RegExp;
}

const IDENT = /\$(RepresentationID|Number|Time|Bandwidth|SubNumber)(%0(\d+)d)?\$|\$\$/g;

/** Fill a template (ISO/IEC 23009-1 5.3.9.4.4, Table 16): $RepresentationID$, $Number%05d$, ... */
export function fillTemplate(template: string, values: { RepresentationID: string; Bandwidth?: string; Number?: number; Time?: number }, where: string): string {
  return template.replace(IDENT, (whole, name: string | undefined, _f, width: string | undefined) => {
    if (whole === '$$') return '$';
    const v = (values as Record<string, string | number | undefined>)[name!];
    if (v === undefined) throw new MediaError('ERR_MPD_TEMPLATE', `${where}: template "${template}" uses $${name}$ which is not available here`, { where });
    const s = String(v);
    return width ? s.padStart(Number(width), '0') : s;
  });
}

/** A regular expression for every name the media template can produce for this Representation. */
export function templatePattern(template: string, rep: MpdRepresentation): RegExp {
  let src = '';
  let last = 0;
  for (const m of template.matchAll(IDENT)) {
    src += escapeRe(template.slice(last, m.index));
    if (m[0] === '$$') src += '\\$';
    else if (m[1] === 'RepresentationID') src += escapeRe(rep.id);
    else if (m[1] === 'Bandwidth') src += escapeRe(rep.bandwidth ?? '');
    else src += '(\\d+)';
    last = m.index! + m[0].length;
  }
  src += escapeRe(template.slice(last));
  return new RegExp(`^${src}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The files a SegmentTemplate names for one Representation. With a SegmentTimeline every
 * segment is listed (numbers and times computed, r = -1 repeating to the period end); with
 * @duration the count is ceil(period duration / segment duration).
 */
export function templateFiles(rep: MpdRepresentation, t: SegmentTemplateModel, periodSeconds: number | undefined, where: string): RepresentationFiles {
  const values = { RepresentationID: rep.id, ...(rep.bandwidth !== undefined ? { Bandwidth: rep.bandwidth } : {}) };
  const out: RepresentationFiles = { media: [] };
  if (t.initialization) out.init = rep.baseUrl + fillTemplate(t.initialization, values, where);
  if (!t.media) return out;
  out.mediaPattern = templatePattern(rep.baseUrl + t.media, rep);
  const push = (number: number, time?: number) => {
    const seg: TemplateSegment = { path: rep.baseUrl + fillTemplate(t.media!, { ...values, Number: number, ...(time !== undefined ? { Time: time } : {}) }, where), number };
    if (time !== undefined) seg.time = time;
    out.media.push(seg);
  };
  if (t.timeline) {
    let number = t.startNumber;
    let time = 0;
    const end = periodSeconds !== undefined ? periodSeconds * t.timescale : undefined;
    t.timeline.forEach((s, i) => {
      if (s.t !== undefined) time = s.t;
      let repeat = s.r;
      if (repeat < 0) {
        const next = t.timeline![i + 1]?.t ?? end;
        if (next === undefined) throw new MediaError('ERR_MPD_TEMPLATE', `${where}: S@r=-1 with no following S@t and no period duration`, { where });
        repeat = Math.ceil((next - time) / s.d) - 1;
      }
      for (let k = 0; k <= repeat; k++) { push(number++, time); time += s.d; }
    });
    return out;
  }
  if (t.duration === undefined) throw new MediaError('ERR_MPD_TEMPLATE', `${where}: SegmentTemplate has neither @duration nor a SegmentTimeline`, { where });
  if (periodSeconds === undefined) throw new MediaError('ERR_MPD_TEMPLATE', `${where}: numbered SegmentTemplate but no period duration or mediaPresentationDuration`, { where });
  const count = Math.ceil(periodSeconds / (t.duration / t.timescale) - 1e-9);
  for (let k = 0; k < count; k++) push(t.startNumber + k, k * t.duration);
  return out;
}
