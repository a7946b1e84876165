import { open, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { DTYPE_INFO } from '../array/dtype.js';
import { InputError, UsageError } from '../errors.js';
import { openDicom } from './dicom-source.js';
import { readImage } from './image.js';
import { parseNpyHeader } from './npy.js';
import { checkRawSize, RawFileSource, type RawLayout } from './raw-source.js';
import { MemorySource, type OpenedInput, type RowSource } from './row-source.js';
import { openTiff, StackedSource } from './tiff-source.js';

export const STREAMED_INPUTS = '.npy, .tif/.tiff (TIFF and BigTIFF), .dcm (DICOM), .png, .jpg/.jpeg, or any file with --raw';

/** How to read an input, from the input flags (src/cli/input-flags.ts). */
export interface InputChoices {
  /** --raw: the file's layout, given by the user. */
  raw?: RawLayout;
  /** --stack: a multi-page TIFF or multi-frame DICOM as one array, pages one below the other. */
  stack: boolean;
}

export interface OpenedInputs {
  /** One input for most files; one per page (frame) for multi-page TIFF (multi-frame DICOM) without --stack. */
  inputs: OpenedInput[];
  /** Releases what the readers hold open (a TIFF's file handle). */
  close(): Promise<void>;
}

async function fileSizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(path, 'is not a regular file');
    if (info.size === 0) throw new InputError(path, 'file is empty');
    return info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`);
  }
}

/** A .npy's header, read from the file's first bytes only (its data is streamed from the offset the header gives). */
async function openNpy(path: string, fileSize: number): Promise<RowSource> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const first = new Uint8Array(Math.min(fileSize, 12));
    await handle.read(first, 0, first.length, 0);
    // Versions 2 and 3 have a 4-byte header length: read as much as the header declares.
    const declared = first.length >= 12 && first[6] !== 1 ? new DataView(first.buffer).getUint32(8, true) + 12 : first.length >= 10 ? new DataView(first.buffer).getUint16(8, true) + 10 : 0;
    head = new Uint8Array(Math.min(fileSize, Math.max(declared, first.length)));
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const header = parseNpyHeader(head, path);
  const layout: RawLayout = { dtype: header.dtype, height: header.height, width: header.width, channels: header.channels, offset: header.dataStart, bigEndian: header.bigEndian };
  const available = fileSize - header.dataStart;
  const expected = header.height * header.width * header.channels * DTYPE_INFO[header.dtype].bytesPerElement;
  if (available < expected) {
    throw new InputError(path, `truncated .npy data: shape (${header.shapeText}) of ${header.descr} needs ${expected} bytes, the file has ${available}`);
  }
  return new RawFileSource(path, layout);
}

const single = (path: string, source: RowSource, notes: string[] = []): OpenedInputs => ({ inputs: [{ name: path, path, source, notes }], close: () => Promise.resolve() });

/**
 * Opens an input from its path and the input flags, reading headers only: what the engine runs
 * on. Large files are then read band by band (src/run-streamed.ts) or, when small, whole
 * (loadWhole). This is the one place that chooses a reader.
 */
export async function openInputs(path: string, choices: InputChoices): Promise<OpenedInputs> {
  const fileSize = await fileSizeOf(path);
  if (choices.raw) {
    checkRawSize(path, fileSize, choices.raw, '--raw --shape', true);
    return single(path, new RawFileSource(path, choices.raw));
  }
  const extension = extname(path).toLowerCase();
  if (choices.stack && !['.tif', '.tiff', '.dcm'].includes(extension)) {
    throw new UsageError(`--stack applies to multi-page TIFF and multi-frame DICOM; ${path} is neither`);
  }
  if (extension === '.npy') return single(path, await openNpy(path, fileSize));
  if (extension === '.dcm') {
    const dicom = await openDicom(path, choices.stack);
    const inputs = dicom.sources.map((source, i): OpenedInput =>
      dicom.sources.length === 1 ? { name: path, path, source, notes: dicom.notes } : { name: `${path}#frame${i + 1}`, path, part: `frame${i + 1}`, source, notes: dicom.notes },
    );
    return { inputs, close: () => Promise.resolve() };
  }
  if (extension === '.tif' || extension === '.tiff') {
    const tiff = await openTiff(path);
    try {
      const notes = tiff.bigTiff ? ['BigTIFF'] : [];
      if (tiff.pages.length === 1) return { inputs: [{ name: path, path, source: tiff.pages[0]!.source, notes }], close: tiff.close };
      if (!choices.stack) {
        return {
          inputs: tiff.pages.map(({ source, page }) => ({ name: `${path}#page${page}`, path, part: `page${page}`, source, notes })),
          close: tiff.close,
        };
      }
      const first = tiff.pages[0]!.source;
      for (const { source, page } of tiff.pages) {
        if (source.width !== first.width || source.channels !== first.channels || source.dtype !== first.dtype) {
          throw new InputError(path, `--stack needs pages of one width, channel count and dtype: page 1 is ${first.width} wide, ${first.channels}-channel ${first.dtype}, page ${page} is ${source.width} wide, ${source.channels}-channel ${source.dtype}`);
        }
      }
      const stacked = new StackedSource(tiff.pages.map((p) => p.source));
      return { inputs: [{ name: path, path, source: stacked, notes: [...notes, `${tiff.pages.length} pages stacked vertically into one ${stacked.height}x${stacked.width} array`] }], close: tiff.close };
    } catch (error) {
      await tiff.close();
      throw error;
    }
  }
  if (extension === '.png' || extension === '.jpg' || extension === '.jpeg') {
    // libvips decodes these whole; they are rarely larger than memory.
    return single(path, new MemorySource(await readImage(await readFile(path), path)));
  }
  throw new InputError(path, `unsupported file type '${extension || '(none)'}': accepted are ${STREAMED_INPUTS}`);
}
