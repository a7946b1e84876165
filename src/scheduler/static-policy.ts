import type { Decision, SchedulerView, SchedulingPolicy } from './policy.js';

/**
 * Baseline for the simulator: the tiles are split up front in proportion to each device's nominal
 * speed (what its datasheet says), each device working through its own partition in fixed batches.
 * After its partition it only helps with retries and with the partitions of devices that died, so
 * recovery still works; it never rebalances between live devices.
 */
export class StaticPolicy implements SchedulingPolicy {
  readonly name = 'static split';
  private partitions: { from: number; to: number }[] | null = null;

  constructor(
    private readonly nominalBytesPerSecond: readonly number[],
    private readonly batchTiles: number,
  ) {}

  decide(view: SchedulerView, device: number): Decision {
    this.partitions ??= this.split(view.totalTiles);
    const within = this.partitions[device]!;
    if (view.queue.freshRemainingWithin(within.from, within.to) > 0) {
      return { kind: 'run', count: this.batchTiles, within, reason: 'static: own partition' };
    }
    const orphan = this.partitions.find((p, d) => !view.devices[d]!.alive && view.queue.freshRemainingWithin(p.from, p.to) > 0);
    if (orphan) return { kind: 'run', count: this.batchTiles, within: orphan, reason: 'static: partition of a failed device' };
    if (view.queue.retries.length > 0) return { kind: 'run', count: this.batchTiles, within: { from: 0, to: 0 }, reason: 'static: retry' };
    return { kind: 'wait', reason: 'static: own partition done' };
  }

  private split(total: number): { from: number; to: number }[] {
    const sum = this.nominalBytesPerSecond.reduce((a, b) => a + b, 0);
    const partitions: { from: number; to: number }[] = [];
    let from = 0;
    let cumulative = 0;
    this.nominalBytesPerSecond.forEach((rate, i) => {
      cumulative += rate;
      const to = i === this.nominalBytesPerSecond.length - 1 ? total : Math.round((total * cumulative) / sum);
      partitions.push({ from, to });
      from = to;
    });
    return partitions;
  }
}
