import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../errors.js';

/**
 * Inputs named by an http:// or https:// URL (an HTTP server every worker of a distributed run can
 * reach, or any web server): the file is downloaded to a temporary file first, streamed to disk
 * rather than held in memory, and then read like a local file by the same readers (TIFF windows,
 * .npy bands, DICOM), so a URL gets every reader and the same memory bound.
 */
export function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/** Seconds the server may take to start answering, and to send the whole file. */
const HEADERS_TIMEOUT_MS = 30_000;
const BODY_TIMEOUT_MS = 3600_000;

export interface DownloadedInput {
  /** The temporary file, named input<ext> after the URL's path so readers know its type. */
  path: string;
  bytes: number;
  /** Removes the temporary directory. */
  remove(): Promise<void>;
}

/** The extension a URL's path ends in (its query and fragment aside), lower-cased. */
export function urlExtension(url: string): string {
  try {
    return extname(new URL(url).pathname).toLowerCase();
  } catch {
    return '';
  }
}

/**
 * Downloads `url` into a new temporary directory. A status other than 200, a body shorter or
 * longer than its Content-Length (or than `expectedBytes`, the size the job was made with), a
 * server that does not answer, or a full disk are InputErrors naming the URL; nothing is left
 * behind then.
 */
export async function downloadInput(url: string, expectedBytes?: number): Promise<DownloadedInput> {
  const dir = await mkdtemp(join(tmpdir(), 'tilerun-url-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, `input${urlExtension(url)}`);
  try {
    const controller = new AbortController();
    const headersTimer = setTimeout(() => controller.abort(new Error(`no answer within ${HEADERS_TIMEOUT_MS / 1000} s`)), HEADERS_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw new InputError(url, `cannot download (${describe(error)})`);
    } finally {
      clearTimeout(headersTimer);
    }
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new InputError(url, `cannot download: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const declared = response.headers.get('content-length');
    const declaredBytes = declared === null ? null : Number(declared);
    if (expectedBytes !== undefined && declaredBytes !== null && declaredBytes !== expectedBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new InputError(url, `is ${declaredBytes} bytes now, but ${expectedBytes} when the job was made: every worker must read the same file`);
    }
    const bodyTimer = setTimeout(() => controller.abort(new Error(`not downloaded within ${BODY_TIMEOUT_MS / 1000} s`)), BODY_TIMEOUT_MS);
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(path));
    } catch (error) {
      throw new InputError(url, `download failed (${describe(error)})`);
    } finally {
      clearTimeout(bodyTimer);
    }
    const bytes = (await stat(path)).size;
    if (declaredBytes !== null && bytes !== declaredBytes) throw new InputError(url, `download stopped at ${bytes} of ${declaredBytes} bytes`);
    if (expectedBytes !== undefined && bytes !== expectedBytes) {
      throw new InputError(url, `is ${bytes} bytes now, but ${expectedBytes} when the job was made: every worker must read the same file`);
    }
    if (bytes === 0) throw new InputError(url, 'file is empty');
    return { path, bytes, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The size a server gives for `url` (a HEAD request's Content-Length), for jobs that name it. */
export async function remoteSize(url: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(HEADERS_TIMEOUT_MS) });
  } catch (error) {
    throw new InputError(url, `cannot reach (${describe(error)})`);
  }
  if (response.status !== 200) throw new InputError(url, `the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  const size = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!Number.isSafeInteger(size) || size <= 0) throw new InputError(url, 'the server gives no Content-Length: workers could not check they read the same file');
  return size;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
