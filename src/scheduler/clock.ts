import { performance } from 'node:perf_hooks';

/** A timer that can be called off (batch watchdogs must not keep a finished run alive). */
export interface Timer {
  promise: Promise<void>;
  cancel(): void;
}

/**
 * Time as the scheduler sees it, in seconds. Real runs use the wall clock; the simulator passes a
 * virtual clock, so the same scheduler code runs against virtual devices in virtual time.
 */
export interface Clock {
  now(): number;
  timer(seconds: number): Timer;
}

export const wallClock: Clock = {
  now: () => performance.now() / 1000,
  timer(seconds: number): Timer {
    let handle: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      handle = setTimeout(resolve, seconds * 1000);
    });
    return { promise, cancel: () => clearTimeout(handle) };
  },
};
