import { describe, expect, it } from 'vitest';
import { scheduleTiles } from '../../src/scheduler/scheduler.js';
import { VirtualClock } from '../../src/scheduler/simulate/virtual-clock.js';
import { cachedModel, smallJob, VDevice } from '../support/virtual-devices.js';

describe('stall guard misfires when only a slow device may take a retry', () => {
  it('a fast device that fails the last batch once: the slow device (which parked) must run the retry, not a "stalled" error', async () => {
    const clock = new VirtualClock();
    const { job, grid, tileBytes } = smallJob();
    const last = grid.count - 1;
    // fast fails (once) the batch that holds the last tile; slow is 1000x slower and parks
    let failed = false;
    const fast = new VDevice('fast', 1, 0.001, clock, (tiles) => {
      if (!failed && tiles.some((t) => t.index === last)) {
        failed = true;
        return 'transient failure on fast';
      }
      return null;
    });
    const slow = new VDevice('slow', 1, 1, clock);
    const models = [cachedModel(0.001, tileBytes), cachedModel(1, tileBytes)];
    const result = await clock.run(scheduleTiles([fast, slow], job, grid, { clock, models }));
    expect(result.partials).toEqual(Array.from({ length: grid.count }, (_, i) => i));
  });

  it('a single transient failure in the middle of the run (fast device, 2 lanes) also ends in "scheduler stalled"', async () => {
    const clock = new VirtualClock();
    const { job, grid, tileBytes } = smallJob();
    let failed = false;
    const fast = new VDevice('fast', 2, 0.001, clock, (tiles) => {
      if (!failed && tiles.some((t) => t.index === 10)) {
        failed = true;
        return 'transient failure on fast';
      }
      return null;
    });
    const slow = new VDevice('slow', 1, 1, clock);
    const models = [cachedModel(0.001, tileBytes), cachedModel(1, tileBytes)];
    const result = await clock.run(scheduleTiles([fast, slow], job, grid, { clock, models }));
    expect(result.partials).toEqual(Array.from({ length: grid.count }, (_, i) => i));
  });
});
