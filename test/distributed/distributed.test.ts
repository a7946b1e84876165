import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { BATCH_QUEUE } from '../../src/distributed/job-schema.js';
import { tilerunVersion } from '../../src/distributed/kernel-names.js';
import { encodeNpy } from '../../src/io/npy.js';
import { freePort, redisServerAvailable, startRedis, testCertificates, type RedisServer } from '../support/redis-server.js';
import { serveFiles } from '../support/file-server.js';
import { startTilerun, type TilerunProcess } from '../support/tilerun-process.js';

const available = redisServerAvailable();
const dir = mkdtempSync(join(tmpdir(), 'tilerun-distributed-'));
const input = join(dir, 'input.npy');
// 600 x 800 u16: tile-stats makes a first pass (the data's range), so flows run one after another.
const values = Array.from({ length: 600 * 800 }, (_, i) => (i * 2654435761) % 65521);
writeFileSync(input, encodeNpy(arrayFromElements('u16', 600, 800, 1, values)));

function startWorker(url: string, extra: string[] = [], env: Record<string, string> = {}): TilerunProcess {
  return startTilerun(['worker', '--redis', url, '--devices', 'cpu', '--threads', '1', '--lock-seconds', '2', ...extra], env);
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; output: string }> {
  const child = startTilerun(args, env);
  const code = await child.exited(180_000);
  return { code, stdout: child.stdout(), output: child.output() };
}

/** The parts of a stats document that must not depend on where the tiles ran. */
function results(stdout: string): unknown {
  const document = JSON.parse(stdout) as Record<string, unknown>;
  return { whole: document.whole, tiles: document.tiles, params: document.params, grid: document.grid, passes: document.passes };
}

let local: unknown;
async function localStats(): Promise<unknown> {
  if (local === undefined) {
    const { code, stdout, output } = await run(['stats', input, '--devices', 'cpu', '--threads', '1', '--tile', '128', '--json']);
    expect(code, output).toBe(0);
    local = results(stdout);
  }
  return local;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!available)('two workers on loopback (Redis with a password)', () => {
  let redis: RedisServer;
  const workers: TilerunProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis('s3cret word');
    workers.push(startWorker(redis.url), startWorker(redis.url));
    await Promise.all(workers.map((worker) => worker.waitFor(/ready/)));
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis?.stop();
  });

  test('stats on the workers equals a local run', async () => {
    const remote = await run(['stats', input, '--redis', redis.url, '--tile', '128', '--batch-tiles', '4', '--json']);
    expect(remote.code, remote.output).toBe(0);
    expect(results(remote.stdout)).toEqual(await localStats());
    expect(remote.output).not.toContain('s3cret');
  });

  test('a map kernel with a halo (convolve) writes the same array as a local run, and leaves no scratch file', async () => {
    const params = ['-p', 'preset=gaussian', '-p', 'sigma=1.5', '-p', 'dtype=f32', '--tile', '128'];
    const remote = await run(['run', 'convolve', input, ...params, '--redis', redis.url, '--batch-tiles', '3', '--out', join(dir, 'remote.npy')]);
    expect(remote.code, remote.output).toBe(0);
    const localRun = await run(['run', 'convolve', input, ...params, '--devices', 'cpu', '--threads', '1', '--out', join(dir, 'local.npy')]);
    expect(localRun.code, localRun.output).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'remote.npy')), readFileSync(join(dir, 'local.npy')))).toBe(0);
    expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  test('an input named by an http URL: each worker downloads it, and the result equals a local run', async () => {
    const server = await serveFiles(dir);
    try {
      const url = `${server.base}/input.npy`;
      const remote = await run(['stats', url, '--redis', redis.url, '--tile', '128', '--batch-tiles', '4', '--json']);
      expect(remote.code, remote.output).toBe(0);
      expect(results(remote.stdout)).toEqual(await localStats());
      // The coordinator asked its size once and read it (for parameters and a first pass); workers fetch it themselves.
      expect(server.requests.filter((r) => r === 'HEAD /input.npy')).toHaveLength(1);
      expect(server.requests.filter((r) => r === 'GET /input.npy').length).toBeGreaterThanOrEqual(2);
      // The file changes in place, keeping its size: the next run downloads it again, and never
      // answers from a worker's copy of the old one.
      const changing = join(dir, 'changing.npy');
      writeFileSync(changing, readFileSync(input));
      const changingUrl = `${server.base}/changing.npy`;
      const before = await run(['stats', changingUrl, '--redis', redis.url, '--tile', '128', '--batch-tiles', '4', '--json']);
      expect(before.code, before.output).toBe(0);
      writeFileSync(changing, encodeNpy(arrayFromElements('u16', 600, 800, 1, values.map((v) => 65535 - v))));
      const after = await run(['stats', changingUrl, '--redis', redis.url, '--tile', '128', '--batch-tiles', '4', '--json']);
      expect(after.code, after.output).toBe(0);
      const localAfter = await run(['stats', changing, '--devices', 'cpu', '--threads', '1', '--tile', '128', '--json']);
      expect(localAfter.code, localAfter.output).toBe(0);
      expect(results(after.stdout)).toEqual(results(localAfter.stdout));
      expect(results(after.stdout)).not.toEqual(results(before.stdout));
      const map = await run(['run', 'convolve', url, '-p', 'preset=box', '--redis', redis.url, '--out', join(dir, 'from-url.npy')]);
      expect(map.code, map.output).toBe(2);
      expect(map.output).toMatch(/a URL has none beside it: give --shared-dir/);
    } finally {
      await server.close();
    }
  });

  test('status shows the finished batches and both workers with their devices and throughput', async () => {
    const { code, stdout, output } = await run(['status', '--redis', redis.url, '--json']);
    expect(code, output).toBe(0);
    const status = JSON.parse(stdout) as { batches: { finished: number; failed: number }; workers: { devices: { id: string }[]; throughput: Record<string, { bytesPerSecond: number }> }[] };
    expect(status.batches.finished).toBeGreaterThan(0);
    expect(status.batches.failed).toBe(0);
    expect(status.workers).toHaveLength(2);
    for (const worker of status.workers) expect(worker.devices.map((d) => d.id)).toEqual(['cpu']);
    expect(status.workers.some((worker) => (worker.throughput['tile-stats']?.bytesPerSecond ?? 0) > 0)).toBe(true);
  });

  test('a malformed job is rejected by the worker without retries', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(BATCH_QUEUE, { connection });
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(BATCH_QUEUE, { connection: eventsConnection });
    try {
      await events.waitUntilReady();
      const good = { v: 1, run: 'handmade', pass: 1, kernel: { name: 'tile-stats', version: tilerunVersion() }, input, inputBytes: readFileSync(input).byteLength, params: { bins: 0, range: null }, tileEdge: 128, halo: 0, tiles: [[0, 2]] };
      const cases: [unknown, RegExp][] = [
        [{ ...good, input: 'relative/input.npy' }, /malformed job: job.input must be an absolute file path/],
        [{ ...good, tiles: [[0, 1000]] }, /goes past the grid's 35 tiles/],
        [{ ...good, kernel: { name: 'rm-rf', version: '1' } }, /does not have/],
        [{ ...good, code: 'process.exit(1)' }, /job.code must be absent/],
        [{ ...good, params: { bins: -3, range: null } }, /parameters rejected/],
      ];
      for (const [data, expected] of cases) {
        const job = await queue.add('batch', data, { attempts: 3 });
        const outcome = await job.waitUntilFinished(events, 30_000).then(() => null, (error: Error) => error.message);
        if (outcome?.includes("timed out")) console.error("DEBUG", await job.getState(), JSON.stringify(await queue.getJobCounts()), workers.map((w) => w.output()).join("\n"));
        expect(outcome).toMatch(expected);
        const after = await queue.getJob(job.id!);
        expect(after?.attemptsMade).toBe(1);
      }
      // The well-formed one runs.
      const job = await queue.add('batch', good, { attempts: 1 });
      const result = (await job.waitUntilFinished(events, 30_000)) as { tiles: number[] };
      expect(result.tiles).toEqual([0, 1]);
    } finally {
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
      connection.disconnect();
    }
  });
});

describe.skipIf(!available)('faults', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('a worker killed mid-batch: the batch runs again elsewhere after its lock expires, and the result is a local run\'s', async () => {
    const first = startWorker(redis.url);
    let second: TilerunProcess | undefined;
    try {
      await first.waitFor(/ready/);
      const coordinator = startTilerun(['stats', input, '--redis', redis.url, '--tile', '128', '--batch-tiles', '6', '--json']);
      await first.waitFor(/batch (\S+): starting/);
      const killed = /batch (\S+): starting/.exec(first.output())![1]!;
      first.child.kill('SIGKILL');
      second = startWorker(redis.url);
      const code = await coordinator.exited(120_000);
      expect(code, coordinator.output() + second.output()).toBe(0);
      // The killed worker's batch was run by the second worker: retried, not lost and not doubled.
      expect(second.output()).toContain(`batch ${killed}: starting`);
      expect(results(coordinator.stdout())).toEqual(await localStats());
    } finally {
      first.child.kill('SIGKILL');
      await second?.stop();
    }
  });

  test('a batch failing on every attempt fails the run with the kernel\'s error, and the rest are cancelled', async () => {
    const module = join(dir, 'fails.mjs');
    writeFileSync(
      module,
      `export default {
  name: 'fails-on-tile-0', kind: 'reduction', description: 'fails on tile 0', params: [], tolerance: '',
  halo: () => 0, validateParams() {}, partialBytes: () => 8,
  cpu(view, tiles) { return tiles.map((tile) => { if (tile.index === 0) throw new Error('boom on tile 0'); return 1; }); },
  merge: (a, b) => a + b,
};
`,
    );
    const worker = startWorker(redis.url, ['--kernel-module', module]);
    try {
      await worker.waitFor(/ready/);
      const started = Date.now();
      const { code, output } = await run(['run', module, input, '--redis', redis.url, '--tile', '32', '--batch-tiles', '1']);
      expect(code, output).toBe(3);
      expect(output).toMatch(/batch 0 \(tiles 0\.\.0\) failed on every attempt \(3\): .*boom on tile 0/);
      expect(output).toMatch(/\d+ batches that had not started were cancelled/);
      expect(Date.now() - started).toBeLessThan(60_000);
      const status = await run(['status', '--redis', redis.url, '--json']);
      const counts = (JSON.parse(status.stdout) as { batches: { queued: number; running: number; finished: number } }).batches;
      expect(counts.queued).toBe(0);
      // 475 batches: far fewer than all of them ran.
      expect(counts.finished).toBeLessThan(470);
    } finally {
      await worker.stop();
    }
  });
});

describe.skipIf(!available)('Redis over TLS (rediss://) with a password', () => {
  let redis: RedisServer;
  let worker: TilerunProcess;
  let trust: Record<string, string>;
  beforeAll(async () => {
    const tls = testCertificates(mkdtempSync(join(dir, 'tls-')));
    // Node trusts a private CA through NODE_EXTRA_CA_CERTS: the way a user points tilerun at theirs.
    trust = { NODE_EXTRA_CA_CERTS: tls.caFile };
    redis = await startRedis('tls pass', tls);
    worker = startWorker(redis.url, [], trust);
    await worker.waitFor(/ready/);
  });
  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
  });

  test('stats through a TLS Redis equals a local run', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const remote = await run(['stats', input, '--redis', redis.url, '--tile', '128', '--batch-tiles', '8', '--json'], trust);
    expect(remote.code, remote.output).toBe(0);
    expect(results(remote.stdout)).toEqual(await localStats());
  });

  test('a certificate the client does not trust is a clear error, not a hang', async () => {
    const started = Date.now();
    const { code, output } = await run(['status', '--redis', redis.url]);
    expect(code, output).toBe(2);
    expect(output).toMatch(/cannot reach Redis at rediss:\/\/.*certificate/);
    expect(output).not.toContain('tls pass');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

test('an unreachable Redis is a clear error within a bounded time', async () => {
  const port = await freePort();
  for (const args of [
    ['stats', input, '--redis', `redis://127.0.0.1:${port}`],
    ['worker', '--redis', `redis://:pw@127.0.0.1:${port}`],
    ['status', '--redis', `redis://127.0.0.1:${port}`],
  ]) {
    const started = Date.now();
    const { code, output } = await run(args);
    expect(code, output).toBe(2);
    expect(output).toContain(`cannot reach Redis at redis://`);
    expect(output).not.toContain(':pw@');
    expect(Date.now() - started).toBeLessThan(15_000);
  }
  const { code, output } = await run(['stats', input, '--redis', 'http://127.0.0.1:6379']);
  expect(code).toBe(2);
  expect(output).toMatch(/must be redis:\/\/ or rediss:\/\//);
});
