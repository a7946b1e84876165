import { UsageError } from '../errors.js';

/** Parses a strictly positive integer flag ("512"), naming the flag in the error. */
export function parsePositiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new UsageError(`${flag} must be an integer from 1 to ${max}, got '${text}'`);
  }
  return value;
}

export function parseNonNegativeInteger(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || value > max) {
    throw new UsageError(`${flag} must be an integer from 0 to ${max}, got '${text}'`);
  }
  return value;
}
