import { describe, expect, it } from 'vitest';
import type { BatchJob, Device, DeviceInfo } from '../../src/devices/device.js';
import { GreedyPolicy } from '../../src/scheduler/greedy-policy.js';
import { scheduleTiles } from '../../src/scheduler/scheduler.js';
import { VirtualClock } from '../../src/scheduler/simulate/virtual-clock.js';
import type { Tile } from '../../src/tiling/tile.js';
import { smallJob } from '../support/virtual-devices.js';

/** A device whose every batch follows a script: how long it takes and whether it fails. */
class ScriptDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency = 1;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  readonly attempts = new Map<number, number>();
  constructor(
    id: string,
    private readonly clock: VirtualClock,
    private readonly script: (tile: number, attempt: number) => { seconds: number; fail?: string },
  ) {
    this.info = { id, kind: 'cpu', description: id, software: false };
  }
  supports(): boolean {
    return true;
  }
  async run(_job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]> {
    let seconds = 0;
    let fail: string | undefined;
    for (const tile of tiles) {
      const attempt = (this.attempts.get(tile.index) ?? 0) + 1;
      this.attempts.set(tile.index, attempt);
      const step = this.script(tile.index, attempt);
      seconds += step.seconds;
      fail ??= step.fail;
    }
    await this.clock.sleep(seconds);
    if (fail !== undefined) throw new Error(fail);
    return tiles.map((t) => t.index);
  }
  async close(): Promise<void> {}
}

describe('a device that is the only hope for one retry takes a different retry', () => {
  const setup = () => {
    const clock = new VirtualClock();
    const { job, grid } = smallJob(8, 2); // 16 tiles
    // Tile 0 always fails on A (a device-specific fault). Tile 1 fails once on each device, then works.
    const a = new ScriptDevice('A', clock, (tile, attempt) => ({
      seconds: 1,
      ...(tile === 0 ? { fail: 'A cannot run tile 0' } : tile === 1 && attempt === 1 ? { fail: 'transient on A' } : {}),
    }));
    // B fails tile 1 once (at t=0.5), then is busy for a long time with tile 2.
    const b = new ScriptDevice('B', clock, (tile, attempt) => ({
      seconds: tile === 1 ? 0.5 : tile === 2 ? 100 : 1,
      ...(tile === 1 && attempt === 1 ? { fail: 'transient on B' } : {}),
    }));
    return { clock, job, grid, a, b };
  };

  it('after tile 1 has failed on both A and B, A (its only hope while B is busy) must take tile 1, not tile 0 again (which B can run)', async () => {
    const { clock, job, grid, a, b } = setup();
    const result = await clock.run(scheduleTiles([a, b], job, grid, { clock, policy: new GreedyPolicy(1) }));
    const onA = result.batches.filter((x) => x.device === 'A').map((x) => `${x.firstTile}:${x.error ?? 'ok'}`);
    expect(onA.slice(0, 3)).toEqual(['0:A cannot run tile 0', '1:transient on A', '1:ok']);
    expect(result.devices[0]!.retired).toBeNull();
  });
});
