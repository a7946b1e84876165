import type { GeoTIFF, GeoTIFFImage } from 'geotiff';
import type { DType } from '../array/dtype.js';
import { InputError } from '../errors.js';
import { rowBytesOf, type RowSource } from './row-source.js';

export const TIFF_ACCEPTED = 'TIFF or BigTIFF, tiled or striped, 8-bit or 16-bit unsigned or 32-bit float samples, 1 to 4 interleaved channels';

/** One TIFF page read through geotiff, which decodes only the tiles or strips a window touches. */
export class TiffPageSource implements RowSource {
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(
    private readonly image: GeoTIFFImage,
    readonly dtype: DType,
  ) {
    this.height = image.getHeight();
    this.width = image.getWidth();
    this.channels = image.getSamplesPerPixel();
  }

  async readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    const raster = await this.image.readRasters({ window: [0, y0, this.width, y1], interleave: true });
    const bytes = new Uint8Array(raster.buffer, raster.byteOffset, raster.byteLength);
    if (bytes.length !== target.length) throw new RangeError(`TIFF rows ${y0}..${y1}: decoded ${bytes.length} bytes, expected ${target.length}`);
    target.set(bytes);
  }
}

/**
 * Pages of one size and dtype as one array, one page below the other (`--stack`): the kernels are
 * 2-D with at most 4 channels, so a stack of any depth fits only this way, and per-pixel maps,
 * statistics and histograms of the stack are those of the whole volume. Stencils (convolve) see
 * the neighbouring page's edge rows across a page boundary: the run says so.
 */
export class StackedSource implements RowSource {
  readonly dtype: DType;
  readonly width: number;
  readonly channels: number;
  readonly height: number;

  constructor(private readonly pages: readonly RowSource[]) {
    const first = pages[0]!;
    this.dtype = first.dtype;
    this.width = first.width;
    this.channels = first.channels;
    this.height = pages.reduce((sum, page) => sum + page.height, 0);
  }

  async readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    const rowBytes = rowBytesOf(this);
    let pageStart = 0;
    for (const page of this.pages) {
      const from = Math.max(y0, pageStart);
      const to = Math.min(y1, pageStart + page.height);
      if (from < to) await page.readRows(from - pageStart, to - pageStart, target.subarray((from - y0) * rowBytes, (to - y0) * rowBytes));
      pageStart += page.height;
    }
  }
}

function dtypeOf(image: GeoTIFFImage, path: string, page: number): DType {
  const bits = image.getBitsPerSample(0);
  const format = image.getSampleFormat(0) ?? 1;
  const spp = image.getSamplesPerPixel();
  for (let s = 1; s < spp; s++) {
    if (image.getBitsPerSample(s) !== bits || (image.getSampleFormat(s) ?? 1) !== format) {
      throw new InputError(path, `page ${page}: samples of different types in one pixel: accepted are ${TIFF_ACCEPTED}`);
    }
  }
  if (format === 1 && bits === 8) return 'u8';
  if (format === 1 && bits === 16) return 'u16';
  if (format === 3 && bits === 32) return 'f32';
  const kind = format === 1 ? 'unsigned' : format === 2 ? 'signed' : format === 3 ? 'float' : `sample format ${format}`;
  throw new InputError(path, `page ${page}: ${bits}-bit ${kind} samples are not supported: accepted are ${TIFF_ACCEPTED}`);
}

export interface TiffPages {
  pages: { source: TiffPageSource; page: number }[];
  bigTiff: boolean;
  close(): Promise<void>;
}

/** Opens a TIFF (or BigTIFF) and checks every page, reading headers only. */
export async function openTiff(path: string): Promise<TiffPages> {
  // geotiff is imported on first use (~90 ms): most runs read no TIFF.
  const { fromFile } = await import('geotiff');
  let tiff: GeoTIFF;
  try {
    tiff = await fromFile(path);
  } catch (error) {
    throw new InputError(path, `cannot read TIFF (${error instanceof Error ? error.message : String(error)}): accepted are ${TIFF_ACCEPTED}`);
  }
  const close = async () => {
    await tiff.close();
  };
  try {
    const count = await tiff.getImageCount();
    const pages: TiffPages['pages'] = [];
    for (let i = 0; i < count; i++) {
      const image = await tiff.getImage(i);
      const channels = image.getSamplesPerPixel();
      if (channels < 1 || channels > 4) throw new InputError(path, `page ${i + 1} has ${channels} samples per pixel: accepted are 1 to 4`);
      const planar = image.getFileDirectory().getValue('PlanarConfiguration') as number | undefined;
      if (channels > 1 && planar === 2) throw new InputError(path, `page ${i + 1} stores its channels in separate planes (PlanarConfiguration 2): accepted are interleaved (chunky) channels`);
      pages.push({ source: new TiffPageSource(image, dtypeOf(image, path, i + 1)), page: i + 1 });
    }
    return { pages, bigTiff: tiff.bigTiff, close };
  } catch (error) {
    await close();
    throw error;
  }
}
