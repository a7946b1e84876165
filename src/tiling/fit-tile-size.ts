import { UsageError } from '../errors.js';

/**
 * Chooses a square tile size when the user gives none: the largest power of two up to
 * `preferred` whose rows (halo included, the array's full width, since a GPU batch uploads whole
 * rows) fit every device's upload limit. Powers of two keep tiles comparable across runs.
 */
export const DEFAULT_TILE_SIZE = 512;

export interface TileSizeConstraints {
  /** Bytes of one whole row of the array (width x channels x bytes per element). */
  rowBytes: number;
  halo: number;
  /** Largest number of bytes of whole rows one tile may need on any chosen device. */
  maxBandBytes: number;
  preferred?: number;
}

/** Bytes of whole rows a tile of this edge uploads. */
export function tileBandBytes(edge: number, constraints: Pick<TileSizeConstraints, 'rowBytes' | 'halo'>): number {
  return (edge + 2 * constraints.halo) * constraints.rowBytes;
}

export function fitTileSize(constraints: TileSizeConstraints): number {
  let size = constraints.preferred ?? DEFAULT_TILE_SIZE;
  while (size > 1 && tileBandBytes(size, constraints) > constraints.maxBandBytes) size = Math.floor(size / 2);
  if (tileBandBytes(size, constraints) > constraints.maxBandBytes) {
    throw new UsageError(
      `rows of ${constraints.rowBytes} bytes are too wide: even a 1-row tile needs ${tileBandBytes(1, constraints)} bytes, more than a chosen device's limit of ${constraints.maxBandBytes} (use --devices cpu)`,
    );
  }
  return size;
}

/** Checks a tile size the user chose against the same limit, naming the largest that fits. */
export function checkTileSize(edge: number, constraints: TileSizeConstraints): void {
  if (tileBandBytes(edge, constraints) <= constraints.maxBandBytes) return;
  const largest = Math.floor(constraints.maxBandBytes / constraints.rowBytes) - 2 * constraints.halo;
  throw new UsageError(
    `--tile ${edge} needs ${tileBandBytes(edge, constraints)} bytes of whole rows per tile, more than a chosen device's limit of ${constraints.maxBandBytes}: use --tile ${Math.max(1, largest)} or less, or --devices cpu`,
  );
}
