import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { DType } from '../array/dtype.js';
import { MAX_CHANNELS } from '../array/array-view.js';
import type { InputChoices } from '../io/open-input.js';
import { parseNonNegativeInteger, parsePositiveInteger } from './options.js';

/** The input flags as commander hands them over. */
export interface InputFlags {
  raw?: boolean;
  shape?: string;
  dtype?: string;
  offset?: string;
  byteOrder?: string;
  stack?: boolean;
  page?: string;
  stream?: boolean;
}

export interface InputOptions extends InputChoices {
  /** --page: the one page (frame) of a multi-page input to run, from 1. */
  page?: number;
  /** --stream: read band by band even when the input would fit in memory. */
  stream: boolean;
}

const RAW_DTYPES: readonly DType[] = ['u8', 'u16', 'f32'];

/** Adds the flags that say how to read an input (every command that reads one). */
export function addInputOptions(command: Command): Command {
  return command
    .option('--raw', 'the input is headerless raw samples: give --shape and --dtype (and --offset, --byte-order)')
    .option('--shape <HxWxC>', 'with --raw: height x width x channels (C optional, 1 to 4), e.g. 40000x60000x1')
    .option('--dtype <type>', `with --raw: the sample type, ${RAW_DTYPES.join(', ')}`)
    .option('--offset <bytes>', 'with --raw: header bytes to skip before the first sample (default 0)')
    .option('--byte-order <order>', 'with --raw: little or big (default little)')
    .option('--stack', 'multi-page TIFF or multi-frame DICOM: run the pages as one array, each page below the previous')
    .option('--page <n>', 'multi-page TIFF or multi-frame DICOM: run only page (frame) n, from 1')
    .option('--stream', 'read the input band by band from disk even when it would fit in memory (inputs larger than memory always are)');
}

/** Checks the input flags before anything is read: each raw-only flag needs --raw, and --raw needs its layout. */
export function parseInputFlags(flags: InputFlags): InputOptions {
  const options: InputOptions = { stack: flags.stack === true, stream: flags.stream === true };
  if (flags.page !== undefined) {
    if (options.stack) throw new UsageError('give --stack (all pages as one array) or --page n (one page), not both');
    options.page = parsePositiveInteger('--page', flags.page);
  }
  const rawOnly = (['shape', 'dtype', 'offset', 'byteOrder'] as const).filter((name) => flags[name] !== undefined);
  if (flags.raw !== true) {
    if (rawOnly.length > 0) throw new UsageError(`${rawOnly.map((name) => (name === 'byteOrder' ? '--byte-order' : `--${name}`)).join(', ')} describe a raw file: add --raw`);
    return options;
  }
  if (options.stack || options.page !== undefined) throw new UsageError('--stack and --page apply to multi-page TIFF and DICOM, not to --raw files');
  if (flags.shape === undefined || flags.dtype === undefined) throw new UsageError('--raw needs --shape HxWxC and --dtype u8|u16|f32');
  const match = /^\s*(\d+)\s*x\s*(\d+)\s*(?:x\s*(\d+)\s*)?$/i.exec(flags.shape);
  if (!match) throw new UsageError(`--shape must be HxW or HxWxC (positive integers), got '${flags.shape}'`);
  const height = parsePositiveInteger('--shape height', match[1]!);
  const width = parsePositiveInteger('--shape width', match[2]!);
  const channels = match[3] === undefined ? 1 : parsePositiveInteger('--shape channels', match[3], MAX_CHANNELS);
  if (!RAW_DTYPES.includes(flags.dtype as DType)) throw new UsageError(`--dtype must be one of ${RAW_DTYPES.join(', ')}, got '${flags.dtype}'`);
  const order = flags.byteOrder ?? 'little';
  if (order !== 'little' && order !== 'big') throw new UsageError(`--byte-order must be little or big, got '${order}'`);
  options.raw = {
    dtype: flags.dtype as DType,
    height,
    width,
    channels,
    offset: flags.offset === undefined ? 0 : parseNonNegativeInteger('--offset', flags.offset, Number.MAX_SAFE_INTEGER),
    bigEndian: order === 'big',
  };
  return options;
}
