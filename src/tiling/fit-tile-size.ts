/**
 * Chooses a square tile size when the user gives none: the largest power of two up to
 * `preferred` whose halo-grown tile fits every device's per-tile byte limit. Powers of two keep
 * GPU row addressing simple and tiles comparable across runs.
 */
export const DEFAULT_TILE_SIZE = 512;

export interface TileSizeConstraints {
  bytesPerElement: number;
  channels: number;
  halo: number;
  /** Largest number of bytes one tile (halo included) may occupy on any chosen device. */
  maxTileBytes: number;
  preferred?: number;
}

export function fitTileSize(constraints: TileSizeConstraints): number {
  const { bytesPerElement, channels, halo, maxTileBytes } = constraints;
  let size = constraints.preferred ?? DEFAULT_TILE_SIZE;
  const tileBytes = (edge: number): number => (edge + 2 * halo) ** 2 * channels * bytesPerElement;
  while (size > 1 && tileBytes(size) > maxTileBytes) size = Math.floor(size / 2);
  return size;
}
