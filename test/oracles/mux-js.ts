/**
 * mux.js (CommonJS, untyped) as an independent MPEG-TS reader: its packet, PSI and PES streams
 * turn a TS buffer into the PMT's stream types and the elementary-stream units (PES) with their
 * timestamps. What "a valid TS" means in the tests: mux.js reads a PMT and PES units from it, not
 * `length % 188 === 0`.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
interface MuxStream { on(ev: string, f: (d: any) => void): void; push(d: unknown): void; flush(): void; pipe(s: MuxStream): MuxStream }
const m2ts = require('mux.js/lib/m2ts/m2ts.js') as {
  TransportPacketStream: new () => MuxStream; TransportParseStream: new () => MuxStream; ElementaryStream: new () => MuxStream;
};
const probe = require('mux.js/lib/m2ts/probe.js') as {
  parsePat(p: Uint8Array): number;
  parsePmt(p: Uint8Array): Record<string, number> | undefined;
};

export interface TsUnit { pid: number; type: string; pts: number | undefined; dts: number | undefined; bytes: number; md5: string }
export interface TsReport {
  /** PID -> stream type from the first PMT (e.g. 0x1b H.264, 0x0f AAC, 0xdb SAMPLE-AES H.264). */
  streamTypes: Map<number, number>;
  /** Every reassembled PES of the stream types mux.js demuxes (H.264 0x1b, ADTS 0x0f), in order. */
  units: TsUnit[];
}

export function readTs(buf: Buffer): TsReport {
  const packetStream = new m2ts.TransportPacketStream();
  const parseStream = new m2ts.TransportParseStream();
  const elementary = new m2ts.ElementaryStream();
  packetStream.pipe(parseStream).pipe(elementary);
  const streamTypes = new Map<number, number>();
  const units: TsUnit[] = [];
  parseStream.on('data', (d) => {
    if (d.type !== 'pmt' || streamTypes.size > 0) return;
    // The PMT section again, through mux.js's probe, for every stream type (the parse stream maps only two).
    const pmtPid = probe.parsePat(firstPacketOf(buf, 0));
    for (const [pid, type] of Object.entries(probe.parsePmt(firstPacketOf(buf, pmtPid)) ?? {})) streamTypes.set(Number(pid), type);
  });
  elementary.on('data', (d) => {
    if (d.type !== 'video' && d.type !== 'audio') return;
    const data = Buffer.from(d.data as Uint8Array);
    units.push({ pid: d.trackId as number, type: d.type as string, pts: d.pts, dts: d.dts, bytes: data.length, md5: createHash('md5').update(data).digest('hex') });
  });
  if (buf.length === 0 || buf.length % 188 !== 0) throw new Error(`${buf.length} bytes: not whole 188-byte packets`);
  packetStream.push(new Uint8Array(buf));
  packetStream.flush();
  if (streamTypes.size === 0) throw new Error('mux.js found no PMT: not a readable MPEG-TS');
  const demuxable = [...streamTypes.values()].some((type) => type === 0x1b || type === 0x0f);
  if (demuxable && units.length === 0) throw new Error('mux.js found no PES: not a readable MPEG-TS');
  return { streamTypes, units };
}

function firstPacketOf(buf: Buffer, pid: number): Uint8Array {
  for (let o = 0; o + 188 <= buf.length; o += 188) {
    if (buf[o] === 0x47 && (((buf[o + 1]! & 0x1f) << 8) | buf[o + 2]!) === pid) return buf.subarray(o, o + 188);
  }
  throw new Error(`no packet on PID ${pid}`);
}
