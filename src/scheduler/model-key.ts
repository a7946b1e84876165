import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { BatchJob, Device } from '../devices/device.js';
import type { TileGrid } from '../tiling/tile-grid.js';

/**
 * The identity a performance model is kept under: what it ran (kernel and the parameters the user
 * gave, before any first pass derives values from the data: a 15x15 convolution is not a 3x3 one,
 * but two normalisations of different images cost the same), on what data (dtype, channels, tile shape and halo) and where
 * (host, device description, lanes in flight), and beside which other devices: devices that share
 * cores, memory bandwidth or a bus slow each other down (a software GPU and the CPU pool most of
 * all), so a CPU pool measured alone is not the CPU pool of a mixed run. Change any of them and a
 * new model is learned.
 */
export function modelKey(
  job: BatchJob,
  grid: Pick<TileGrid, 'tileHeight' | 'tileWidth'>,
  device: Device,
  userParams: unknown = job.params,
  companions: readonly Device[] = [],
): string {
  const others = companions.filter((other) => other !== device).map((other) => other.info.id).sort();
  const params = createHash('sha256').update(stableJson(userParams)).digest('hex').slice(0, 12);
  // Kernel modules are told apart by their file: two modules may share a name, or take a built-in's.
  const moduleFile = (job.kernel as { moduleFile?: string }).moduleFile;
  return [
    moduleFile === undefined ? job.kernel.name : `${job.kernel.name}@${moduleFile}`,
    `params:${params}`,
    `${job.view.dtype}x${job.view.channels}`,
    `tile:${grid.tileHeight}x${grid.tileWidth}+${job.halo}`,
    deviceIdentity(device),
    `with:${others.join(',') || 'none'}`,
  ].join('|');
}

export function deviceIdentity(device: Device): string {
  return `${hostname()}/${device.info.id}/${device.info.description}/lanes:${device.concurrency}`;
}

/** JSON with object keys sorted, so equal parameters give equal keys. */
function stableJson(value: unknown): string {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return `[${Array.from(value as ArrayLike<unknown>, stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
