import { open } from 'node:fs/promises';
import type * as dicomModule from 'dicom-parser';
import type { DType } from '../array/dtype.js';
import { InputError } from '../errors.js';
import { RawFileSource } from './raw-source.js';
import type { RowSource } from './row-source.js';

/** The uncompressed transfer syntaxes tilerun reads, by UID. */
const UNCOMPRESSED: Record<string, { name: string; bigEndian: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', bigEndian: false },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', bigEndian: false },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', bigEndian: true },
};

/** Names of the transfer syntaxes tilerun refuses, so the error says what the file is. */
const REFUSED: Record<string, string> = {
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
};

export const DICOM_ACCEPTED = `DICOM Part 10 files in ${Object.entries(UNCOMPRESSED).map(([uid, s]) => `${s.name} (${uid})`).join(', ')}; Bits Allocated 8 or 16; 1 or 3 samples per pixel`;

const PIXEL_DATA = 'x7fe00010';

/**
 * dicom-parser, imported on first use (most runs read no DICOM). It is CommonJS: under Node's ESM
 * its functions sit on the default export, which its types do not declare.
 */
async function loadDicomParser(): Promise<typeof dicomModule> {
  const module = (await import('dicom-parser')) as unknown as typeof dicomModule & { default?: typeof dicomModule };
  return module.default ?? module;
}
type DataSet = dicomModule.DataSet;

export interface DicomFrames {
  /** One source per frame, or one for all frames stacked when `stack` was asked for. */
  sources: RowSource[];
  frames: number;
  notes: string[];
}

/**
 * Parses the header up to the pixel data only (growing the read until it reaches it), so a
 * multi-GiB multi-frame file is never read whole; the pixel data is then read band by band.
 */
async function readHeader(path: string): Promise<{ dataSet: DataSet; fileSize: number }> {
  const dicomParser = await loadDicomParser();
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    for (let length = Math.min(fileSize, 1 << 16); ; length = Math.min(fileSize, length * 4)) {
      const bytes = new Uint8Array(length);
      await handle.read(bytes, 0, length, 0);
      try {
        const dataSet = dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA });
        if (dataSet.elements[PIXEL_DATA] || length === fileSize) return { dataSet, fileSize };
      } catch (error) {
        // dicom-parser throws strings as well as Errors.
        const message = error instanceof Error ? error.message : String(error);
        if (length === fileSize) throw new InputError(path, `not a readable DICOM file (${message}): accepted are ${DICOM_ACCEPTED}`);
      }
    }
  } finally {
    await handle.close();
  }
}

function numberOf(dataSet: DataSet, tag: string, fallback: number): number {
  const text = dataSet.string(tag);
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.split('\\')[0]);
  return Number.isFinite(value) ? value : fallback;
}

/** Opens a .dcm file: checks its transfer syntax and pixel format, and builds row sources over its frames. */
export async function openDicom(path: string, stack: boolean): Promise<DicomFrames> {
  const { dataSet, fileSize } = await readHeader(path);
  const syntax = dataSet.string('x00020010')?.trim();
  if (syntax === undefined) throw new InputError(path, `no transfer syntax in the file meta information: accepted are ${DICOM_ACCEPTED}`);
  const format = UNCOMPRESSED[syntax];
  if (!format) {
    throw new InputError(path, `transfer syntax ${syntax} (${REFUSED[syntax] ?? 'unknown to tilerun'}) is not supported: accepted are uncompressed ${Object.entries(UNCOMPRESSED).map(([uid, s]) => `${s.name} (${uid})`).join(', ')}`);
  }
  const pixels = dataSet.elements[PIXEL_DATA];
  if (!pixels) throw new InputError(path, 'has no pixel data (7FE0,0010): nothing to compute');
  if (pixels.hadUndefinedLength) throw new InputError(path, `pixel data is encapsulated although the transfer syntax ${syntax} is uncompressed`);
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const samples = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const signed = (dataSet.uint16('x00280103') ?? 0) === 1;
  const frames = Math.max(1, Math.trunc(numberOf(dataSet, 'x00280008', 1)));
  if (rows < 1 || columns < 1) throw new InputError(path, `Rows ${rows} x Columns ${columns}: an image needs both`);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new InputError(path, `Bits Allocated ${bitsAllocated} is not supported: accepted are 8 and 16`);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw new InputError(path, `Bits Stored ${bitsStored} does not fit Bits Allocated ${bitsAllocated}`);
  if (samples !== 1 && samples !== 3) throw new InputError(path, `Samples per Pixel ${samples} is not supported: accepted are 1 and 3`);
  if (samples === 3 && (dataSet.uint16('x00280006') ?? 0) !== 0) throw new InputError(path, 'Planar Configuration 1 (colour by plane) is not supported: accepted is 0 (interleaved)');
  const slope = numberOf(dataSet, 'x00281053', 1);
  const intercept = numberOf(dataSet, 'x00281052', 0);
  const rescaled = slope !== 1 || intercept !== 0;
  const stored: DType = bitsAllocated === 8 ? 'u8' : 'u16';
  const frameBytes = rows * columns * samples * (bitsAllocated / 8);
  const needed = pixels.dataOffset + frames * frameBytes;
  if (pixels.length < frames * frameBytes || fileSize < needed) {
    throw new InputError(path, `pixel data holds ${Math.min(pixels.length, fileSize - pixels.dataOffset)} bytes, ${frames} frame${frames === 1 ? '' : 's'} of ${rows}x${columns}x${samples} at ${bitsAllocated} bits need ${frames * frameBytes}`);
  }
  const notes: string[] = [`DICOM ${format.name}, ${frames} frame${frames === 1 ? '' : 's'} of ${rows}x${columns}${samples === 3 ? ' RGB' : ''}, ${signed ? 'signed' : 'unsigned'} ${bitsStored}-bit samples in ${bitsAllocated}`];
  // tilerun has no signed dtype, and a rescale makes values that need not be integers: both become f32.
  const convert = signed || rescaled || bitsStored < bitsAllocated;
  const dtype: DType = signed || rescaled ? 'f32' : stored;
  if (rescaled) notes.push(`rescale slope ${slope} and intercept ${intercept} applied: values are stored x ${slope} + ${intercept}, as f32`);
  else if (signed) notes.push('signed samples read as f32 (tilerun has no signed integer dtype); values are exact');
  if (stack && frames > 1) notes.push(`${frames} frames stacked vertically into one ${rows * frames}x${columns} array`);
  const sourceAt = (offset: number, height: number): RowSource => {
    const raw = new RawFileSource(path, { dtype: stored, height, width: columns, channels: samples, offset, bigEndian: format.bigEndian });
    return convert ? new StoredValueSource(raw, dtype, { bitsStored, signed, slope, intercept }) : raw;
  };
  const sources = stack ? [sourceAt(pixels.dataOffset, rows * frames)] : Array.from({ length: frames }, (_, i) => sourceAt(pixels.dataOffset + i * frameBytes, rows));
  return { sources, frames, notes };
}

interface StoredValueRule {
  bitsStored: number;
  signed: boolean;
  slope: number;
  intercept: number;
}

/**
 * Turns DICOM stored values into what they mean: the bits above Bits Stored dropped (they may
 * hold overlays), the sign extended for signed samples, then the rescale applied.
 */
class StoredValueSource implements RowSource {
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(
    private readonly raw: RawFileSource,
    readonly dtype: DType,
    private readonly rule: StoredValueRule,
  ) {
    this.height = raw.height;
    this.width = raw.width;
    this.channels = raw.channels;
  }

  async readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    const count = (y1 - y0) * this.width * this.channels;
    const storedBytes = this.raw.dtype === 'u8' ? 1 : 2;
    const scratch = new Uint8Array(count * storedBytes);
    await this.raw.readRows(y0, y1, scratch);
    const input = storedBytes === 1 ? scratch : new Uint16Array(scratch.buffer, 0, count);
    const output = this.dtype === 'f32' ? new Float32Array(target.buffer, target.byteOffset, count) : this.dtype === 'u16' ? new Uint16Array(target.buffer, target.byteOffset, count) : target;
    const { bitsStored, signed, slope, intercept } = this.rule;
    const mask = 2 ** bitsStored - 1;
    const signBit = 2 ** (bitsStored - 1);
    const span = 2 ** bitsStored;
    for (let i = 0; i < count; i++) {
      let value = input[i]! & mask;
      if (signed && value >= signBit) value -= span;
      output[i] = value * slope + intercept;
    }
  }
}
