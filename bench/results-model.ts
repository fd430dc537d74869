/** The shape of bench/results/latest.json: everything the markdown, the chart and the README quote. */
import type { JobGroup } from './jobs.js';
import type { LatencyRow } from './segment-latency.js';
import type { MachineInfo, Versions } from './machine.js';
import type { ProfileResult } from './profiles.js';
import type { QueueScaling } from './queue-scaling.js';

export type RowStatus = 'ok' | 'not available' | 'failed';

export interface RowResult {
  id: string;
  group: JobGroup;
  tool: string;
  job: string;
  status: RowStatus;
  /** Why not available, or the failing run's stderr tail. */
  note?: string;
  /** The exact command (paths relative to the repo) that reproduces one run. */
  command?: string;
  inputBytes?: number;
  wallMs: number[];
  medianMs?: number;
  /** Input MB (10^6 bytes) per second of median wall time; for `openssl speed` the tool's own figure. */
  mbPerS?: number;
  /** Bytes; the largest over the runs. */
  peakRss?: number | null;
}

export interface RatioResult {
  label: string;
  value: number | null;
  /** 'x' = times (a ratio of wall times), '%' = a share of a ceiling. */
  unit: 'x' | '%';
  /** How it is computed, e.g. "Shaka cenc wall / segcrypt cenc wall". */
  how: string;
}

export interface TargetResult {
  target: string;
  /** e.g. ">= 4x", "<= 120 MB". */
  threshold: string;
  measured: number | null;
  shown: string;
  met: boolean | null;
  how: string;
  /**
   * For wall-time ratios: the same ratio over each side's fastest run (on a shared VM the slow
   * runs are mostly other tenants' noise). Reported beside the median, never used for `met`.
   */
  fastest?: string;
}

export interface CheckResult { name: string; ok: boolean; detail: string }

export interface BenchResult {
  mode: 'full' | 'quick';
  date: string;
  runsPerJob: number;
  rssMethod: string;
  machine: MachineInfo;
  versions: Versions;
  inputs: Record<string, { path: string; bytes: number }>;
  rows: RowResult[];
  latency: { rows: LatencyRow[]; note?: string };
  ratios: RatioResult[];
  targets: TargetResult[];
  checks: CheckResult[];
  /** The queue's 1-vs-2-worker rounds: CPU per job and the ratio per round. */
  queue?: QueueScaling;
  /** Main-thread CPU profiles of the rows with hard targets (bench/profiles.ts). */
  profiles?: ProfileResult[];
}
