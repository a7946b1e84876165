import { describe, expect, it } from 'vitest';
import { makespanLowerBound } from '../../src/scheduler/simulate/lower-bound.js';
import { SCENARIOS } from '../../src/scheduler/simulate/scenarios.js';
import { runScenario, simulateRun } from '../../src/scheduler/simulate/simulate.js';
import { DmdaPolicy } from '../../src/scheduler/dmda-policy.js';
import type { VirtualDeviceSpec } from '../../src/scheduler/simulate/virtual-device.js';

/**
 * The real scheduler (scheduler.ts with the dmda policy) on virtual devices in virtual time: the
 * issue's goal is within 10% of the fluid lower bound in every scenario and never worse than the
 * static or greedy baseline. Runs are seeded, so these are exact, repeatable checks, not timings.
 */
describe('scheduler simulator', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: within 10% of the lower bound, no worse than static or greedy`, async () => {
      const outcome = await runScenario(scenario);
      const { dmda, greedy, lowerBound } = outcome;
      expect(dmda.makespan).toBeGreaterThan(lowerBound * 0.999);
      expect(dmda.makespan / lowerBound).toBeLessThanOrEqual(1.1);
      expect(dmda.makespan).toBeLessThanOrEqual(outcome.static.makespan);
      expect(dmda.makespan).toBeLessThanOrEqual(greedy.makespan);
      // Every tile ran exactly once, whatever failed on the way.
      expect(dmda.result.partials).toEqual(Array.from({ length: dmda.result.partials.length }, (_, i) => i));
    });
  }

  it('the tail is split so the devices finish within a small batch of each other', async () => {
    for (const name of ['h100+16cpu', 'two unequal gpus']) {
      const run = await simulateRun(SCENARIOS.find((s) => s.name === name)!, new DmdaPolicy());
      const ends = run.result.devices.map((d) => Math.max(...run.result.batches.filter((b) => b.device === d.id).map((b) => b.start + b.seconds)));
      // 1% of the run: a handful of milliseconds, less than one steady-state batch (about 50 ms).
      expect(Math.max(...ends) - Math.min(...ends), name).toBeLessThan(0.01 * run.makespan);
    }
  });

  it('a batch that fails at the very end on the fast device is re-run by the slow one, never a stall', async () => {
    const base = SCENARIOS.find((s) => s.name === 'h100+16cpu')!;
    const clean = await simulateRun(base, new DmdaPolicy());
    // Fail whatever the GPU runs in its last moments, when no fresh tiles are left and the CPU lanes wait.
    const failAt = [clean.makespan - 0.002, clean.makespan - 0.001];
    const scenario = { ...base, devices: [{ ...base.devices[0]!, failAt }, base.devices[1]!] };
    const run = await simulateRun(scenario, new DmdaPolicy());
    expect(run.result.faults.length).toBeGreaterThanOrEqual(1);
    expect(run.result.partials).toEqual(Array.from({ length: run.result.partials.length }, (_, i) => i));
    expect(run.makespan).toBeLessThan(clean.makespan * 1.1);
  });

  it('a device that dies has its unfinished tiles re-run, and the run says so', async () => {
    const scenario = SCENARIOS.find((s) => s.name === 'gpu dies')!;
    const run = await simulateRun(scenario, new DmdaPolicy());
    const gpu = run.result.devices.find((d) => d.id === 'gpu')!;
    expect(gpu.retired).toMatch(/^lost: virtual gpu died/);
    expect(run.result.faults.length).toBeGreaterThanOrEqual(1);
    expect(run.result.faults.every((fault) => fault.action.startsWith('tiles queued again'))).toBe(true);
  });

  it('the lower bound is the fluid bound: work over summed mean rates, transfers limiting a GPU', () => {
    const cpu: VirtualDeviceSpec = { id: 'cpu', kind: 'cpu', lanes: 4, computeBytesPerSecond: 1e9, shared: false, latencySeconds: 0, nominalBytesPerSecond: 4e9 };
    const gpu: VirtualDeviceSpec = { id: 'gpu', kind: 'webgpu', lanes: 2, computeBytesPerSecond: 40e9, shared: true, transferBytesPerSecond: 12e9, latencySeconds: 0, nominalBytesPerSecond: 40e9 };
    expect(makespanLowerBound([cpu, gpu], 16e9)).toBeCloseTo(1, 6);
    // A GPU lost at 0.5 s did 6e9 bytes by then; the CPU does the other 10e9 at 4e9/s.
    expect(makespanLowerBound([cpu, { ...gpu, dieAt: 0.5 }], 16e9)).toBeCloseTo(0.5 + (16e9 - 8e9) / 4e9, 6);
  });
});
