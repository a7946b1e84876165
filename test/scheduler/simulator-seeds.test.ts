import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../src/scheduler/simulate/scenarios.js';
import { runScenario, type Scenario } from '../../src/scheduler/simulate/simulate.js';

/** The same scenario with other noise seeds (device i gets seed base + i). */
function reseeded(scenario: Scenario, base: number): Scenario {
  return { ...scenario, devices: scenario.devices.map((d, i) => ({ ...d, seed: base + i })) };
}

/**
 * The goals must not hold for one lucky seed only. Over several noise seeds per scenario: within
 * 10% of the lower bound every time; against the baselines, better on average over the seeds, and
 * never worse by more than 6% in one realisation: outliers (whole batches 5x slow) land at random,
 * and dmda's ~50 ms batches take a bigger hit from one than greedy's ~20 ms ones do. The bound counts each device's *mean* speed, noise and outliers included, so a lucky
 * run may beat it by a few percent: it must stay above 0.9 of it.
 */
describe('scheduler simulator over noise seeds', () => {
  const seeds = [100, 200, 300, 400, 500];
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: goals hold for seeds ${seeds.join(', ')}`, async () => {
      let dmdaTotal = 0;
      let baselineTotal = 0;
      for (const seed of seeds) {
        const outcome = await runScenario(reseeded(scenario, seed));
        const ratio = outcome.dmda.makespan / outcome.lowerBound;
        expect(ratio, `seed ${seed}`).toBeLessThanOrEqual(1.1);
        expect(ratio, `seed ${seed}`).toBeGreaterThan(0.9);
        const best = Math.min(outcome.static.makespan, outcome.greedy.makespan);
        expect(outcome.dmda.makespan, `seed ${seed}`).toBeLessThanOrEqual(best * 1.06);
        dmdaTotal += outcome.dmda.makespan;
        baselineTotal += best;
      }
      expect(dmdaTotal).toBeLessThanOrEqual(baselineTotal);
    }, 60_000);
  }
});
