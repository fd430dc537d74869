import t from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decryptAudioElementaryStream, decryptAvcElementaryStream, encryptSampleAesSegmentDetailed } from '../../src/ts/index.js';

const require = createRequire(import.meta.url);
// mux.js is the independent TS parser (CommonJS, untyped).
const probe = require('mux.js/lib/m2ts/probe.js') as {
  parsePat(p: Uint8Array): number;
  parsePmt(p: Uint8Array): Record<string, number> | undefined;
  parsePesTime(p: Uint8Array): { pts?: number; dts?: number } | null;
};
const m2ts = require('mux.js/lib/m2ts/m2ts.js') as { TransportPacketStream: new () => MuxStream; TransportParseStream: new () => MuxStream };
interface MuxStream { on(ev: string, f: (d: any) => void): void; push(d: unknown): void; flush(): void; pipe(s: MuxStream): MuxStream }

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const samples = new URL('../../samples/', import.meta.url);

interface Packet { offset: number; pid: number; pusi: boolean; cc: number; hasPayload: boolean; pcr?: number; payload: Buffer }
/** Test-side walker, deliberately separate from src/ts. */
function packets(buf: Buffer): Packet[] {
  const out: Packet[] = [];
  for (let o = 0; o < buf.length; o += 188) {
    const afc = (buf[o + 3]! >> 4) & 3;
    let p = o + 4;
    let pcr: number | undefined;
    if (afc & 2) {
      if (buf[o + 4]! > 0 && buf[o + 5]! & 0x10) pcr = buf.readUIntBE(o + 6, 4) * 2 + (buf[o + 10]! >> 7);
      p += 1 + buf[o + 4]!;
    }
    out.push({ offset: o, pid: ((buf[o + 1]! & 0x1f) << 8) | buf[o + 2]!, pusi: (buf[o + 1]! & 0x40) !== 0, cc: buf[o + 3]! & 15, hasPayload: (afc & 1) === 1, pcr, payload: buf.subarray(p, o + 188) });
  }
  return out;
}
function pesByPid(buf: Buffer): Map<number, Buffer[]> {
  const m = new Map<number, Buffer[][]>();
  for (const p of packets(buf)) {
    if (!p.hasPayload || p.pid === 0 || p.pid === 0x1000 || p.pid === 0x11) continue;
    if (!m.has(p.pid)) m.set(p.pid, []);
    const l = m.get(p.pid)!;
    if (p.pusi) l.push([]);
    l[l.length - 1]?.push(p.payload);
  }
  return new Map([...m].map(([pid, l]) => [pid, l.map((x) => Buffer.concat(x))]));
}

for (const [file, audioType, audioCodec] of [['ts/avc-aac.ts', 0xcf, 'aac'], ['ts/avc-ac3.ts', 0xc1, 'ac3']] as const) {
  t.test(`${file}: structure as mux.js and a plain walker see it`, async (t) => {
    const clear = readFileSync(new URL(file, samples));
    const { data: enc, streams } = encryptSampleAesSegmentDetailed(clear, key, iv);
    t.same(streams.map((s) => s.codec), ['h264', audioCodec]);
    t.equal(enc.length % 188, 0, 'whole packets');
    const ps = packets(enc);
    t.ok(ps.every((_, i) => enc[i * 188] === 0x47), 'every packet starts with 0x47');
    // Continuity: per PID, +1 mod 16 on every packet with payload.
    const last = new Map<number, number>();
    let breaks = 0;
    for (const p of ps) {
      const prev = last.get(p.pid);
      if (prev !== undefined && p.hasPayload && p.cc !== ((prev + 1) & 15)) breaks++;
      last.set(p.pid, p.cc);
    }
    t.equal(breaks, 0, 'continuity counters continuous on every PID');
    // mux.js: PAT -> PMT PID -> stream types.
    const patPkt = enc.subarray(ps.findIndex((p) => p.pid === 0) * 188).subarray(0, 188);
    const pmtPid = probe.parsePat(patPkt);
    const pmtPkt = enc.subarray(ps.findIndex((p) => p.pid === pmtPid) * 188).subarray(0, 188);
    const table = probe.parsePmt(pmtPkt)!;
    t.same(Object.values(table).sort(), [audioType, 0xdb].sort(), 'mux.js sees the SAMPLE-AES stream types');
    // mux.js's stream parser accepts the packets and sees the same PMT.
    const pmts: any[] = [];
    const tp = new m2ts.TransportPacketStream();
    const parse = new m2ts.TransportParseStream();
    tp.pipe(parse);
    parse.on('data', (d) => { if (d.type === 'pmt') pmts.push(d); });
    tp.push(new Uint8Array(enc)); tp.flush();
    t.ok(pmts.length >= 1, 'mux.js TransportParseStream parsed the PMT');
    // PCR and PTS/DTS untouched.
    const clearPs = packets(clear);
    t.same(ps.filter((p) => p.pcr !== undefined).map((p) => p.pcr), clearPs.filter((p) => p.pcr !== undefined).map((p) => p.pcr), 'same PCRs in the same order');
    const times = (b: Buffer) => packets(b).filter((p) => p.pusi && p.pid !== 0 && p.pid !== pmtPid && p.pid !== 0x11)
      .map((p) => probe.parsePesTime(b.subarray(p.offset, p.offset + 188)));
    const encTimes = times(enc);
    t.ok(encTimes.every((x) => x && x.pts !== undefined), 'mux.js reads a PTS on every PES start');
    t.same(encTimes, times(clear), 'same PTS/DTS per PES');
    // Every PES decrypts (reference decryptors, same rules as ffmpeg/hls.js) back to the clear ES.
    const c = pesByPid(clear), e = pesByPid(enc);
    let mismatches = 0, grown = 0;
    for (const [pid, list] of c) {
      const el = e.get(pid)!;
      t.equal(el.length, list.length, `PID ${pid}: same number of PES`);
      for (let i = 0; i < list.length; i++) {
        const ces = list[i]!.subarray(9 + list[i]![8]!), ees = el[i]!.subarray(9 + el[i]![8]!);
        if (ees.length !== ces.length) grown++;
        const back = table[pid] === 0xdb ? decryptAvcElementaryStream(ees, key, iv) : decryptAudioElementaryStream(audioCodec, ees, key, iv);
        if (!back.equals(ces)) mismatches++;
        if (ees.equals(ces) && ces.length > 64) mismatches++; // must actually be encrypted
      }
    }
    t.equal(mismatches, 0, 'every PES is encrypted and decrypts to the clear elementary stream');
    t.ok(grown > 0, `${grown} video PES grew by emulation prevention and were re-packetized`);
  });
}
