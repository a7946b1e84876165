/**
 * `tilerun bench`: on generated inputs, each chosen device alone and all together for each kernel,
 * size and tile edge (the real engine on devices opened once), this machine's memory bandwidth,
 * and the peers (C, numpy, dask, OpenCV) doing the same job on the same input and tiles, all in
 * one process, one after another, so the figures share the machine's conditions.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { AnyKernel } from '../../kernels/types.js';
import type { DType } from '../array/dtype.js';
import { UsageError } from '../errors.js';
import type { Device } from '../devices/device.js';
import { openDevices, type DeviceSelection } from '../devices/select.js';
import { runKernel } from '../run.js';
import { ModelStore } from '../scheduler/model-store.js';
import { jsBandwidth } from './bandwidth.js';
import { benchInput, rawBytes } from './input.js';
import { benchKernel, checkAgainst, checksumOf, peerArgs } from './cases.js';
import { measureConfig, timelineOf } from './measure.js';
import { findPeers, PEERS, peersDirectory, runPeer, runStream } from './peers.js';
import type { BandwidthResult, BenchResult, EngineRun, PeerRunResult, Timeline } from './result.js';

interface Config {
  devices: Device[];
  label: string;
}

export interface BenchOptions {
  kernels: string[];
  dtype: DType;
  sizes: number[];
  tiles: number[];
  selection: DeviceSelection;
  /** The --devices text, for the report. */
  devicesText: string;
  repeats: number;
  threads?: number;
  /** Size of each bandwidth array. */
  bandwidthMiB: number;
  /** Called before each step, for a progress display. */
  onStep?: (step: string, done: number, total: number) => void;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(peersDirectory(), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const notes: string[] = [];
  const opened = await openDevices(options.selection, options.threads === undefined ? {} : { threads: options.threads });
  notes.push(...opened.notes);
  const devices = opened.devices;
  const work = mkdtempSync(join(tmpdir(), 'tilerun-bench-'));
  try {
    if (devices.length === 0) throw new Error('no device opened');
    const threads = devices.find((device) => device.info.kind === 'cpu')?.info.threads ?? options.threads ?? availableParallelism();
    // Each device alone, then all together (when there are several).
    const configs: Config[] = devices.map((device) => ({ devices: [device], label: device.info.id }));
    if (devices.length > 1) configs.push({ devices, label: 'all' });
    const cases = options.kernels.length * options.sizes.length * options.tiles.length;
    const total = 1 + cases * (configs.length + 1);
    let done = 0;
    const step = (text: string): void => options.onStep?.(text, done++, total);

    step('memory bandwidth');
    const peers = await findPeers(options.kernels);
    notes.push(...peers.notes);
    const bandwidth = await measureBandwidth(options.bandwidthMiB, threads, peers.stream, notes);

    // Models learned in the warm-ups stay in this bench: the user's cache is left alone.
    const models = new ModelStore(join(work, 'models'));
    const runs: EngineRun[] = [];
    const peerRuns: PeerRunResult[] = [];
    let timeline: Timeline | null = null;
    for (const name of options.kernels) {
      const { kernel, params, label } = benchKernel(name);
      const kernelConfigs = configsFor(kernel, configs, notes);
      const forKernel = peers.ready.filter((peer) => peer.spec.kernels.includes(name));
      for (const peer of PEERS) {
        if (!peer.kernels.includes(name)) notes.push(`${peer.name}: has no ${name} version`);
      }
      for (const size of options.sizes) {
        const view = benchInput(options.dtype, size);
        const file = join(work, `input-${options.dtype}-${size}.raw`);
        if (forKernel.length > 0) writeFileSync(file, rawBytes(view));
        for (const tile of options.tiles) {
          // The parameters the tiles see (a histogram range found once): no first pass is timed, as the peers get the range too.
          const prepared = (await runKernel(kernel, view, params, { devices: kernelConfigs.at(-1)!.devices, tile, models })).params;
          let ours: number | null = null;
          for (const config of kernelConfigs) {
            step(`${label} ${size}x${size} tile ${tile}: ${config.label}`);
            const measured = await measureConfig(kernel, view, prepared, config.devices, config.label, tile, options.repeats, models);
            runs.push(measured.run);
            ours ??= checksumOf(measured.warmUp);
            // The timeline: the last configuration (all devices) of the first kernel's largest size and first tile.
            if (config === kernelConfigs.at(-1) && name === options.kernels[0] && size === Math.max(...options.sizes) && tile === options.tiles[0]) {
              timeline = timelineOf(measured.pass, `${name} ${options.dtype} ${size}x${size}, tile ${tile}, ${config.label === 'all' ? 'all devices' : config.label}: the median repeat`);
            }
          }
          step(`${label} ${size}x${size} tile ${tile}: peers`);
          const common = [name, options.dtype, file, String(size), String(tile), String(threads), String(options.repeats), ...peerArgs(name, prepared)];
          for (const peer of forKernel) {
            const output = await runPeer(peer, common);
            const base = { peer: peer.spec.name, kernel: name, dtype: options.dtype, size, tile };
            if ('error' in output) peerRuns.push({ ...base, seconds: null, gigabytesPerSecond: null, check: '-', error: output.error });
            else peerRuns.push({ ...base, seconds: output.median, gigabytesPerSecond: rawBytes(view).byteLength / output.median / 1e9, check: checkAgainst(ours!, output.checksum) });
          }
        }
      }
    }
    return {
      tool: 'tilerun bench',
      version: packageVersion(),
      date: new Date().toISOString(),
      machine: {
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        cpus: availableParallelism(),
        memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        platform: `${process.platform} ${process.arch}`,
        node: process.version,
      },
      settings: { kernels: options.kernels, dtype: options.dtype, sizes: options.sizes, tiles: options.tiles, devices: options.devicesText, repeats: options.repeats, threads },
      devices: devices.map((device) => ({ id: device.info.id, description: device.info.description, software: device.info.software })),
      bandwidth,
      runs,
      peers: peerRuns,
      peerDescriptions: Object.fromEntries(PEERS.map((peer) => [peer.name, peer.description])),
      timeline,
      notes: [...new Set(notes)],
    };
  } finally {
    await Promise.allSettled(devices.map((device) => device.close()));
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The configurations that can run a kernel: a device without an implementation of it is left out
 * (runKernel would run it on a CPU pool opened for the purpose, which is not that device), and
 * "all" keeps the devices that have one, when there are still several.
 */
function configsFor(kernel: AnyKernel, configs: readonly Config[], notes: string[]): Config[] {
  const out: Config[] = [];
  for (const config of configs) {
    const usable = config.devices.filter((device) => device.supports(kernel));
    if (config.label !== 'all') {
      if (usable.length > 0) out.push(config);
      else notes.push(`${config.label}: has no ${kernel.name} implementation: not measured on it`);
    } else if (usable.length > 1) out.push({ devices: usable, label: 'all' });
  }
  if (out.length === 0) throw new UsageError(`none of the chosen devices (${configs.map((c) => c.label).join(', ')}) can run kernel ${kernel.name}`);
  return out;
}

async function measureBandwidth(mebibytes: number, threads: number, stream: string | null, notes: string[]): Promise<BandwidthResult> {
  const js = jsBandwidth(mebibytes, 5);
  let c: BandwidthResult['c'] = null;
  if (stream !== null) {
    const measured = await runStream(stream, mebibytes, threads, 5);
    if ('error' in measured) notes.push(`C bandwidth: bench/peers/stream.c failed: ${measured.error}`);
    else c = { copy: measured.copy, read: measured.read, threads };
  }
  const reference = c
    ? { gigabytesPerSecond: c.read, label: `memory read, C, ${threads} thread${threads === 1 ? '' : 's'}` }
    : { gigabytesPerSecond: js.read, label: 'memory read, JS, 1 thread' };
  return { js: { ...js, threads: 1 }, c, mebibytes, reference };
}
