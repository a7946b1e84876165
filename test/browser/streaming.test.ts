/**
 * A large input streams through the page batch by batch: the page never holds more than a few
 * batches' rows (a counter in the page says how much it held at once), and the result equals
 * Node's. The loopback server (and its batch socket) refuses anything but the page's own token
 * and host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { allocateArray, byteLength, elementsOf } from '../../src/array/array-view.js';
import { openBrowserDevices } from '../../src/browser/open.js';
import type { BrowserSession } from '../../src/browser/session.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { runKernel } from '../../src/run.js';
import { skipBrowser, testBrowser } from '../support/browser-required.js';
import { request } from 'node:http';
import { WebSocket } from 'ws';

const MAX_BATCH_BYTES = 256 * 1024;

/** A raw GET with a chosen Host header (fetch will not send a false one). */
function get(url: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {} }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

describe.skipIf(skipBrowser)('browser streaming and server', () => {
  let devices: Device[] = [];
  let session: BrowserSession;
  beforeAll(async () => {
    const opened = await openBrowserDevices({ auto: false, kinds: ['cpu'] }, { executable: testBrowser(), threads: 2, maxBatchBytes: MAX_BATCH_BYTES });
    devices = opened.devices;
    session = opened.session;
  }, 120_000);
  afterAll(async () => {
    for (const device of devices) await device.close();
  });

  it('streams an input 32x larger than a page batch, holding a fraction of it, with the Node result', async () => {
    const view = allocateArray('u8', 4096, 2048, 1); // 8 MiB
    const elements = elementsOf(view);
    for (let i = 0; i < elements.length; i++) elements[i] = (i * 40503) >>> 7;
    const kernel = getKernel('tile-stats');
    const params = { bins: 256, range: null };
    const node = new CpuPoolDevice({ threads: 1 });
    let expected;
    try {
      expected = await runKernel(kernel, view, params, { devices: [node], tile: 128, models: false });
    } finally {
      await node.close();
    }
    const before = { ...session.stats };
    const result = await runKernel(kernel, view, params, { devices, tile: 128, models: false });
    expect(result.partials).toEqual(expected.partials);
    expect(result.whole).toEqual(expected.whole);
    const inputBytes = byteLength(view);
    // Every row went through the page, in many batches.
    expect(session.stats.bytesIn - before.bytesIn).toBeGreaterThanOrEqual(inputBytes);
    expect(session.stats.batches - before.batches).toBeGreaterThanOrEqual(inputBytes / MAX_BATCH_BYTES);
    // Two workers' batches at once, at most a batch's rows each: far below the whole array.
    expect(session.stats.maxHeldBytes).toBeGreaterThan(0);
    expect(session.stats.maxHeldBytes).toBeLessThanOrEqual(2 * MAX_BATCH_BYTES);
    expect(session.stats.maxHeldBytes).toBeLessThan(inputBytes / 8);
  }, 300_000);

  it('serves the page on its token only, to its own host name only', async () => {
    const page = new URL(session.pageUrl);
    expect(page.hostname).toBe('127.0.0.1');
    expect(await get(session.pageUrl)).toBe(200);
    expect(await get(`${page.origin}/`)).toBe(403);
    expect(await get(`${page.origin}/not-the-token/page.js`)).toBe(403);
    expect(await get(`${page.origin}${page.pathname.slice(0, -2)}/page.js`)).toBe(403);
    expect(await get(session.pageUrl, `evil.example:${page.port}`)).toBe(403);
    expect(await get(`${session.pageUrl}in/999999`)).toBe(404);
  });

  it('opens the batch socket on its token path and own host name only, and answers a batch it does not have with missing', async () => {
    const page = new URL(session.pageUrl);
    const socketUrl = `ws://127.0.0.1:${page.port}${page.pathname}ws`;
    const opens = (url: string, host?: string) =>
      new Promise<boolean>((resolve) => {
        const socket = new WebSocket(url, host ? { headers: { host } } : {});
        socket.on('open', () => {
          socket.close();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    expect(await opens(`ws://127.0.0.1:${page.port}/not-the-token/ws`)).toBe(false);
    expect(await opens(socketUrl, `evil.example:${page.port}`)).toBe(false);
    expect(await opens(socketUrl)).toBe(true);
    const socket = new WebSocket(socketUrl);
    await new Promise((resolve) => socket.on('open', resolve));
    const answer = new Promise<string>((resolve) => socket.on('message', (data) => resolve(String(data))));
    socket.send('in 999999');
    expect(await answer).toBe('missing 999999');
    socket.close();
  });
});
