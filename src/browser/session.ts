import type { Browser, Page } from 'puppeteer-core';
import type { BatchJob, BatchTiming, DeviceKind } from '../devices/device.js';
import { DeviceError } from '../errors.js';
import type { Tile } from '../tiling/tile.js';
import { pageBundle, wasmModuleBytes } from './bundle.js';
import { CHROMIUM_ARGS, findBrowser, killBrowserTree, killProcessesUsing, makeProfileDir, removeProfileDir } from './chromium.js';
import { cleanUpOnExit } from './cleanup.js';
import { decodeValue, encodeValue } from './codec.js';
import { PAGE_GLOBAL, type PageApi, type PageBatch, type PageBatchReply, type PageOpenReply } from './protocol.js';
import { batchRows, copyOutputBlocks, inputBytes, outputByteLength, shiftTiles } from './rows.js';
import { PageServer } from './server.js';

export interface BrowserSessionOptions {
  /** Chromium or Chrome binary (default: found by findBrowser). */
  executable?: string;
  /** Page devices to open. */
  kinds: readonly DeviceKind[];
  /** Web Workers in the page's CPU pool (default: the page's hardwareConcurrency). */
  threads?: number;
  /** Longest wait for any one answer from the browser (launch, page load, a batch). */
  timeoutSeconds?: number;
  /** Longest wait for one batch (default: timeoutSeconds); launching keeps the longer wait. */
  batchTimeoutSeconds?: number;
  /** Most input bytes one page batch fetches: larger batches are sent in pieces. */
  maxBatchBytes?: number;
}

/** Default for every wait on the browser; TILERUN_BROWSER_TIMEOUT_S overrides it. */
export const DEFAULT_BROWSER_TIMEOUT_S = 120;
/** A page batch holds at most this much input: the page never needs the whole array. */
export const DEFAULT_MAX_BATCH_BYTES = 64 * 2 ** 20;

/** What moved between Node and the page, for benches and tests. */
export interface TransferStats {
  batches: number;
  bytesIn: number;
  bytesOut: number;
  fetchSeconds: number;
  postSeconds: number;
  computeSeconds: number;
  /** Most batch bytes the page held at once. */
  maxHeldBytes: number;
}

function timeoutFromEnv(): number {
  const raw = process.env.TILERUN_BROWSER_TIMEOUT_S;
  const value = raw === undefined ? DEFAULT_BROWSER_TIMEOUT_S : Number(raw);
  if (!(value > 0)) throw new DeviceError(`TILERUN_BROWSER_TIMEOUT_S must be a positive number of seconds, got '${raw}'`);
  return value;
}

/**
 * One headless Chromium with one page, driven over loopback: the page's devices run the batches
 * the Node scheduler hands the BrowserDevices. Every wait on the browser has a timeout, and a
 * crash or a page error ends every pending wait at once with the reason.
 */
export class BrowserSession {
  readonly stats: TransferStats = { batches: 0, bytesIn: 0, bytesOut: 0, fetchSeconds: 0, postSeconds: 0, computeSeconds: 0, maxHeldBytes: 0 };
  readonly timeoutMs: number;
  readonly batchTimeoutMs: number;
  readonly maxBatchBytes: number;
  opened!: PageOpenReply;
  browserVersion = '';
  /** Seconds from launch to a page with its devices open. */
  launchSeconds = 0;
  private browser: Browser | null = null;
  private page: Page | null = null;
  private lost: string | null = null;
  private onLost: ((reason: string) => void)[] = [];
  private nextBatch = 0;
  private closed = false;
  private readonly forget: () => void;

  private constructor(
    readonly executable: string,
    private readonly server: PageServer,
    readonly profileDir: string,
    options: BrowserSessionOptions,
  ) {
    this.timeoutMs = (options.timeoutSeconds ?? timeoutFromEnv()) * 1000;
    this.batchTimeoutMs = options.batchTimeoutSeconds === undefined ? this.timeoutMs : options.batchTimeoutSeconds * 1000;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.forget = cleanUpOnExit(() => this.killNow());
  }

  static async open(options: BrowserSessionOptions): Promise<BrowserSession> {
    const executable = findBrowser(options.executable);
    const started = performance.now();
    const server = new PageServer(await pageBundle(), wasmModuleBytes());
    await server.listen();
    const session = new BrowserSession(executable, server, makeProfileDir(), options);
    try {
      await session.start(options);
    } catch (error) {
      await session.close();
      throw error;
    }
    session.launchSeconds = (performance.now() - started) / 1000;
    return session;
  }

  private async start(options: BrowserSessionOptions): Promise<void> {
    const puppeteer = (await import('puppeteer-core')).default;
    this.browser = await this.within(
      'launching Chromium',
      puppeteer.launch({
        executablePath: this.executable,
        headless: true,
        args: CHROMIUM_ARGS,
        userDataDir: this.profileDir,
        // DevTools would mirror every POST body: 15x slower transfers (PLATFORM.md).
        networkEnabled: false,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: this.timeoutMs,
        // Our own timeout (within) answers first, with what was being waited for.
        protocolTimeout: 2 * this.timeoutMs,
      }),
    );
    this.browserVersion = await this.browser.version();
    this.browser.on('disconnected', () => this.markLost('Chromium exited or crashed'));
    const page = (this.page = await this.within('opening a page', this.browser.newPage()));
    page.on('error', (error: Error) => this.markLost(`the page crashed (${error.message})`));
    page.on('pageerror', (error: unknown) => this.markLost(`the page threw: ${error instanceof Error ? error.message : String(error)}`));
    await this.within('loading the page', page.goto(this.server.pageUrl, { waitUntil: 'load', timeout: this.timeoutMs }));
    await this.within('starting the page script', page.waitForFunction(`typeof globalThis.${PAGE_GLOBAL} === 'object'`, { timeout: this.timeoutMs }));
    this.opened = await this.within(
      'opening the page devices',
      page.evaluate(
        (name, kinds, threads) => (globalThis as unknown as Record<string, PageApi & { open(k: readonly DeviceKind[], t?: number): Promise<PageOpenReply> }>)[name]!.open(kinds, threads ?? undefined),
        PAGE_GLOBAL,
        [...options.kinds],
        options.threads ?? null,
      ),
    );
  }

  /** The page's address (token included): tests check what the server refuses. */
  get pageUrl(): string {
    return this.server.pageUrl;
  }

  /** The live page, for tests and benches that act on it directly (make it throw, time it). */
  get livePage(): Page | null {
    return this.page;
  }

  /** The browser's main process id (the leader of its process group). */
  get browserPid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  /** Why the browser can run nothing more, or null. */
  lostReason(): string | null {
    return this.lost;
  }

  private markLost(reason: string): void {
    if (this.closed || this.lost !== null) return;
    this.lost = reason;
    for (const reject of this.onLost.splice(0)) reject(reason);
  }

  /** Waits for `work`, but at most the timeout, and not past the browser's loss. */
  private async within<T>(what: string, work: Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    work.catch(() => undefined);
    if (this.lost !== null) throw new DeviceError(`${what}: the browser is gone (${this.lost})`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lostHandler: ((reason: string) => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // A browser that stopped answering may never answer again: no more batches go to it.
        this.markLost(`no answer within ${timeoutMs / 1000} s while ${what}`);
        reject(new DeviceError(`${what}: the browser gave no answer within ${timeoutMs / 1000} s (TILERUN_BROWSER_TIMEOUT_S)`));
      }, timeoutMs);
      lostHandler = (reason) => reject(new DeviceError(`${what}: ${reason}`));
      this.onLost.push(lostHandler);
    });
    try {
      return await Promise.race([work, stop]);
    } catch (error) {
      if (error instanceof DeviceError) throw error;
      if (this.lost !== null) throw new DeviceError(`${what}: ${this.lost}`, { cause: error });
      throw new DeviceError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      this.onLost = this.onLost.filter((handler) => handler !== lostHandler);
    }
  }

  /**
   * Runs tiles on one page device: batches whose input exceeds maxBatchBytes go in pieces, one
   * after another, so the page holds at most a piece's rows per lane, never the whole array.
   */
  async run(device: DeviceKind, job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const results: unknown[] = [];
    let piece: Tile[] = [];
    for (const tile of tiles) {
      const rows = batchRows(job, [...piece, tile]);
      const bytes = inputBytes(job.view, rows).byteLength;
      if (piece.length > 0 && bytes > this.maxBatchBytes) {
        results.push(...(await this.runPiece(device, job, piece, timing)));
        piece = [];
      }
      piece.push(tile);
    }
    if (piece.length > 0) results.push(...(await this.runPiece(device, job, piece, timing)));
    return results;
  }

  private async runPiece(device: DeviceKind, job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const page = this.page;
    if (!page || this.closed) throw new DeviceError('the browser session is closed');
    const rows = batchRows(job, tiles);
    const id = ++this.nextBatch;
    const input = inputBytes(job.view, rows);
    const out = job.out ?? null;
    const outBytes = out ? outputByteLength(out, rows) : 0;
    const maxOutput = out || job.kernel.kind !== 'reduction' ? outBytes : 2 ** 20 + 64 * tiles.length * job.kernel.partialBytes(job.view, job.params);
    this.server.put(id, input, maxOutput);
    const batch: PageBatch = {
      id,
      device,
      kernel: job.kernel.name,
      job: encodeValue({ params: job.params, ...(job.boundary ? { boundary: job.boundary } : {}) }),
      halo: job.halo,
      view: { dtype: job.view.dtype, height: rows.inputY1 - rows.inputY0, width: job.view.width, channels: job.view.channels },
      out: out ? { dtype: out.dtype, height: rows.outputY1 - rows.outputY0, width: out.width, channels: out.channels } : null,
      tiles: shiftTiles(tiles, rows),
    };
    try {
      const start = performance.now();
      const reply: PageBatchReply = await this.within(
        `running ${job.kernel.name} on the browser page's ${device}`,
        page.evaluate((name, spec) => (globalThis as unknown as Record<string, PageApi>)[name]!.run(spec), PAGE_GLOBAL, batch),
        this.batchTimeoutMs,
      );
      const seconds = (performance.now() - start) / 1000;
      const body = this.server.output(id);
      if (body === null) throw new DeviceError(`the page posted no results for batch ${id}`);
      this.stats.batches++;
      this.stats.bytesIn += input.byteLength;
      this.stats.bytesOut += body.byteLength;
      this.stats.fetchSeconds += reply.fetchSeconds;
      this.stats.postSeconds += reply.postSeconds;
      this.stats.computeSeconds += reply.computeSeconds;
      this.stats.maxHeldBytes = Math.max(this.stats.maxHeldBytes, reply.maxHeldBytes);
      if (timing) timing.transferSeconds += Math.max(0, seconds - reply.computeSeconds);
      if (out) {
        if (body.byteLength !== outBytes) throw new DeviceError(`the page posted ${body.byteLength} bytes of output for batch ${id}, expected ${outBytes}`);
        copyOutputBlocks(out, rows, tiles, body);
        return tiles.map(() => null);
      }
      return decodeValue<unknown[]>(body.toString('utf8'));
    } finally {
      this.server.drop(id);
    }
  }

  /** Synchronous last resort (exit and signal handlers): kill the browser tree, remove the profile. */
  private killNow(): void {
    this.closed = true;
    killBrowserTree(this.browser);
    killProcessesUsing(this.profileDir);
    removeProfileDir(this.profileDir);
  }

  /** Closes the page's devices, the browser, the server, and removes the profile directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.browser?.connected && this.lost === null) {
        // A polite close first (bounded): it lets Chromium flush nothing we need, so keep it short.
        await Promise.race([this.browser.close(), new Promise((resolve) => setTimeout(resolve, 5000))]).catch(() => undefined);
      }
    } finally {
      killBrowserTree(this.browser);
      killProcessesUsing(this.profileDir);
      await this.server.close();
      removeProfileDir(this.profileDir);
      this.forget();
    }
  }
}
