import type { Decision, SchedulerView, SchedulingPolicy } from './policy.js';

/**
 * Baseline for the simulator: every free lane takes the next `batchTiles` tiles, whatever it
 * knows about speeds. Fast devices still take more batches, but the last batch on a slow device
 * can become the run's tail.
 */
export class GreedyPolicy implements SchedulingPolicy {
  readonly name: string;
  constructor(private readonly batchTiles: number) {
    this.name = `greedy (${batchTiles} tiles a batch)`;
  }

  decide(view: SchedulerView): Decision {
    return { kind: 'run', count: Math.max(1, Math.min(this.batchTiles, view.queue.remaining)), reason: 'greedy: fixed batch' };
  }
}
