import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../src/scheduler/simulate/scenarios.js';
import { runScenario, type Scenario } from '../../src/scheduler/simulate/simulate.js';

/** The same scenario with other noise seeds (device i gets seed base + i). */
function reseeded(name: string, base: number): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name)!;
  return { ...scenario, devices: scenario.devices.map((d, i) => ({ ...d, seed: base + i })) };
}

/**
 * The simulator tests hold dmda to the goals for one seed per scenario. With other seeds
 * (same machines, same noise levels) the goals fail, once by 22x.
 */
describe('review: simulator goals under other noise seeds', () => {
  it('h100+16cpu warm, seeds 500/501: within 10% of the lower bound (today 22x: the saved CPU model is only tail stragglers)', async () => {
    const outcome = await runScenario(reseeded('h100+16cpu warm', 500));
    expect(outcome.dmda.makespan / outcome.lowerBound).toBeLessThanOrEqual(1.1);
    // The first (cold) run ends with a "level shift" made of the last CPU batches to complete, which are the 5x outliers
    // (with 16 lanes the slow batches are the ones that finish last); the model saved for the warm run keeps only them.
  });

  it('gpu dies, seeds 400/401: never worse than the static split or greedy', async () => {
    const outcome = await runScenario(reseeded('gpu dies', 400));
    expect(outcome.dmda.makespan).toBeLessThanOrEqual(outcome.static.makespan);
    expect(outcome.dmda.makespan).toBeLessThanOrEqual(outcome.greedy.makespan);
  });

  it('this machine, seeds 500/501: the "lower bound" is a bound (today dmda beats it by 5%)', async () => {
    const outcome = await runScenario(reseeded('this machine', 500));
    expect(outcome.dmda.makespan).toBeGreaterThanOrEqual(outcome.lowerBound);
  });
});
