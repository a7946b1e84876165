/**
 * A page that throws and a browser killed mid-run: the scheduler retires the page's device and
 * the Node device running beside it finishes the job with the same result (a takeover, with the
 * faults recorded); with no Node device, the run ends with a clear error, never a hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { openBrowserDevices } from '../../src/browser/open.js';
import type { BrowserSession } from '../../src/browser/session.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { DeviceError } from '../../src/errors.js';
import { runKernel } from '../../src/run.js';
import { skipBrowser, testBrowser } from '../support/browser-required.js';

const stats = getKernel('tile-stats');
const params = { bins: 256, range: null };

function sample(height: number, width: number) {
  const view = allocateArray('u8', height, width, 1);
  const elements = elementsOf(view);
  for (let i = 0; i < elements.length; i++) elements[i] = (i * 2654435761) >>> 24;
  return view;
}

const opened: Device[] = [];
afterEach(async () => {
  for (const device of opened.splice(0)) await device.close();
});

async function browserCpu(batchTimeoutSeconds?: number) {
  const { devices, session } = await openBrowserDevices(
    { auto: false, kinds: ['cpu'] },
    // Only batches get the short wait: launching on a loaded machine can take tens of seconds.
    { executable: testBrowser(), threads: 1, ...(batchTimeoutSeconds === undefined ? {} : { batchTimeoutSeconds }) },
  );
  opened.push(...devices);
  return { device: devices[0]!, session };
}

/** Makes the page's requests for batch input throw, after the first `spared` of them: real page code failing. */
async function failInputRequests(session: BrowserSession, spared: number): Promise<void> {
  await session.livePage!.evaluate((spare) => {
    const original = WebSocket.prototype.send;
    let inputs = 0;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (typeof data === 'string' && data.startsWith('in ') && inputs++ >= spare) throw new Error('injected page failure');
      original.call(this, data);
    };
  }, spared);
}

describe.skipIf(skipBrowser)('browser faults', () => {
  it('a page that throws in every batch: the Node pool takes over and the result is unchanged', async () => {
    const view = sample(512, 512);
    const node = new CpuPoolDevice({ threads: 1 });
    opened.push(node);
    const expected = await runKernel(stats, view, params, { devices: [node], tile: 64, models: false });
    const { device, session } = await browserCpu();
    // After the first (the device's prepare, a one-tile run), every request for a batch's input
    // throws: real page code failing on every batch of the pass.
    await failInputRequests(session, 1);
    const result = await runKernel(stats, view, params, {
      devices: [device, node],
      tile: 64,
      models: false,
      targetBatchSeconds: 0.01,
    });
    expect(result.whole).toEqual(expected.whole);
    expect(result.faults.some((fault) => fault.message.includes('injected page failure'))).toBe(true);
    expect(result.passes).toBe(1);
    const browserRecord = result.devices.find((record) => record.id === 'browser:cpu')!;
    expect(browserRecord.tiles).toBe(0);
    expect(browserRecord.failures).toBeGreaterThanOrEqual(1);
    // Retired once three batches in a row failed, unless the Node pool finished everything first.
    if (browserRecord.failures >= 3) expect(browserRecord.retired).toMatch(/in a row failed/);
  }, 120_000);

  it('a page that fails before the pass (its prepare): the device is left out with a note, the Node pool runs it all', async () => {
    const view = sample(256, 256);
    const node = new CpuPoolDevice({ threads: 1 });
    opened.push(node);
    const expected = await runKernel(stats, view, params, { devices: [node], tile: 64, models: false });
    const { device, session } = await browserCpu();
    await failInputRequests(session, 0);
    const result = await runKernel(stats, view, params, { devices: [device, node], tile: 64, models: false });
    expect(result.whole).toEqual(expected.whole);
    expect(result.devices.map((record) => record.id)).toEqual([node.info.id]);
    expect(result.notes.some((note) => note.startsWith('browser:cpu left out of pass 1') && note.includes('injected page failure'))).toBe(true);
  }, 120_000);

  it('a browser killed mid-run: the Node pool finishes, the device is retired as lost', async () => {
    const view = sample(2048, 2048);
    const node = new CpuPoolDevice({ threads: 1 });
    opened.push(node);
    const expected = await runKernel(stats, view, params, { devices: [node], tile: 128, models: false });
    const { device, session } = await browserCpu();
    let killed = false;
    const result = await runKernel(stats, view, params, {
      devices: [device, node],
      tile: 128,
      models: false,
      onProgress: (done) => {
        if (!killed && done > 16) {
          killed = true;
          process.kill(session.browserPid!, 'SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(result.whole).toEqual(expected.whole);
    expect(session.lostReason()).toMatch(/Chromium exited or crashed/);
    expect(result.devices.find((record) => record.id === 'browser:cpu')!.retired).toMatch(/lost/);
  }, 120_000);

  it('a browser killed with no Node device beside it: a clear DeviceError', async () => {
    const view = sample(2048, 2048);
    const { device, session } = await browserCpu();
    let killed = false;
    const run = runKernel(stats, view, params, {
      devices: [device],
      tile: 128,
      models: false,
      onProgress: () => {
        if (!killed) {
          killed = true;
          process.kill(session.browserPid!, 'SIGKILL');
        }
      },
    });
    await expect(run).rejects.toThrow(DeviceError);
    await expect(run).rejects.toThrow(/no device could run|Chromium exited or crashed/);
  }, 120_000);

  it('a page that never answers: the batch times out instead of hanging', async () => {
    const view = sample(256, 256);
    const { device, session } = await browserCpu(3);
    // The page's next batch waits forever: its request for input is never sent, so never answered.
    await session.livePage!.evaluate(() => {
      WebSocket.prototype.send = () => undefined;
    });
    const started = performance.now();
    await expect(runKernel(stats, view, params, { devices: [device], tile: 64, models: false })).rejects.toThrow(/no answer within 3 s/);
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
