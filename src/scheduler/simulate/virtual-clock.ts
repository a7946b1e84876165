import type { Clock, Timer } from '../clock.js';

interface Event {
  time: number;
  order: number;
  resolve: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for the simulator. The scheduler's lanes are ordinary async code; `run` lets every
 * pending promise settle (one setImmediate drains the microtask queue), then jumps the clock to
 * the earliest timer and fires it, until the simulated run settles. No wall time passes, so a
 * run of thousands of batches on virtual GPUs takes milliseconds and is the same every time.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private readonly events: Event[] = [];

  now(): number {
    return this.time;
  }

  timer(seconds: number): Timer {
    let event!: Event;
    const promise = new Promise<void>((resolve) => {
      event = { time: this.time + Math.max(0, seconds), order: this.order++, resolve, cancelled: false };
    });
    // Keep events sorted by (time, order): binary search for the insertion point.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.events[mid]!;
      if (other.time < event.time || (other.time === event.time && other.order < event.order)) lo = mid + 1;
      else hi = mid;
    }
    this.events.splice(lo, 0, event);
    return { promise, cancel: () => (event.cancelled = true) };
  }

  sleep(seconds: number): Promise<void> {
    return this.timer(seconds).promise;
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      let event = this.events.shift();
      while (event?.cancelled) event = this.events.shift();
      if (!event) throw new Error(`simulation stalled at t=${this.time.toFixed(3)} s: the scheduler waits for an event that will never come`);
      this.time = event.time;
      event.resolve();
    }
  }
}
