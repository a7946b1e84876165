/** What `tilerun bench --json` prints, and what the HTML report is drawn from. */

/** One device's part of a run. */
export interface DeviceShare {
  id: string;
  tiles: number;
  /** Its tiles over all tiles. */
  share: number;
  /** Seconds it had a batch in flight over the pass's seconds. */
  utilisation: number;
  busySeconds: number;
  /** Input bytes it processed per busy second. */
  gigabytesPerSecond: number;
}

/** One configuration (a device alone, or all together) on one kernel, size and tile. */
export interface EngineRun {
  kernel: string;
  dtype: string;
  size: number;
  tile: number;
  /** Device ids it ran on; label is "all" for every chosen device together. */
  devices: string[];
  label: string;
  tiles: number;
  bytes: number;
  /** Median wall seconds of the repeats (runKernel end to end), and every repeat's. */
  seconds: number;
  times: number[];
  gigabytesPerSecond: number;
  tilesPerSecond: number;
  perDevice: DeviceShare[];
}

/** A peer doing the same job on the same input and tiles. */
export interface PeerRunResult {
  peer: string;
  kernel: string;
  dtype: string;
  size: number;
  tile: number;
  /** Median seconds of its repeats, null when it failed. */
  seconds: number | null;
  gigabytesPerSecond: number | null;
  /** Its checksum against tilerun's: "same", "differs: ..." or "-" (it prints none). */
  check: string;
  error?: string;
}

/** One batch on one lane, seconds since the pass started. */
export interface TimelineBatch {
  device: string;
  lane: number;
  start: number;
  seconds: number;
  firstTile: number;
  tiles: number;
  failed: boolean;
}

export interface Timeline {
  /** Which run it is ("tile-stats 4096x4096, tile 512, all devices, the median repeat"). */
  label: string;
  seconds: number;
  lanes: { device: string; lane: number }[];
  batches: TimelineBatch[];
}

export interface BandwidthResult {
  /** JS on one thread (always measured). */
  js: { copy: number; read: number; threads: 1 };
  /** bench/peers/stream.c on the CPU pool's threads, when it built. */
  c: { copy: number; read: number; threads: number } | null;
  mebibytes: number;
  /** The read figure the runs are placed against, and which one it is. */
  reference: { gigabytesPerSecond: number; label: string };
}

export interface BenchResult {
  tool: 'tilerun bench';
  version: string;
  date: string;
  machine: { cpuModel: string; cpus: number; memoryGiB: number; platform: string; node: string };
  settings: { kernels: string[]; dtype: string; sizes: number[]; tiles: number[]; devices: string; repeats: number; threads: number };
  devices: { id: string; description: string; software: boolean }[];
  bandwidth: BandwidthResult;
  runs: EngineRun[];
  peers: PeerRunResult[];
  /** Peers described, for the report. */
  peerDescriptions: Record<string, string>;
  timeline: Timeline | null;
  notes: string[];
}
