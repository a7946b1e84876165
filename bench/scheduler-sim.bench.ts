/**
 * The scheduler against virtual devices (src/scheduler/simulate): for each scenario, the makespan
 * of dmda (the scheduler tilerun runs) against the fluid lower bound and against two baselines run
 * in the same harness: a static split by nominal speed, and greedy pulling of fixed batches.
 *
 *   npm run bench:scheduler [-- --json]
 */
import { runScenario } from '../src/scheduler/simulate/simulate.js';
import { SCENARIOS } from '../src/scheduler/simulate/scenarios.js';

const json = process.argv.includes('--json');
const rows = [];
for (const scenario of SCENARIOS) {
  const outcome = await runScenario(scenario);
  const split = (run: typeof outcome.dmda) =>
    run.result.devices.map((d) => `${d.id} ${((100 * d.tiles) / run.result.partials.length).toFixed(0)}%`).join(', ');
  rows.push({
    scenario: scenario.name,
    description: scenario.description,
    lowerBoundSeconds: outcome.lowerBound,
    dmdaSeconds: outcome.dmda.makespan,
    staticSeconds: outcome.static.makespan,
    greedySeconds: outcome.greedy.makespan,
    dmdaOverBound: outcome.dmda.makespan / outcome.lowerBound,
    staticOverBound: outcome.static.makespan / outcome.lowerBound,
    greedyOverBound: outcome.greedy.makespan / outcome.lowerBound,
    dmdaSplit: split(outcome.dmda),
    dmdaBatches: outcome.dmda.result.batches.length,
    faults: outcome.dmda.result.faults.length,
  });
}
if (json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('| scenario | lower bound s | dmda s (x bound) | static s (x bound) | greedy s (x bound) | dmda split | dmda batches |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.lowerBoundSeconds.toFixed(3)} | ${r.dmdaSeconds.toFixed(3)} (${r.dmdaOverBound.toFixed(3)}) | ${r.staticSeconds.toFixed(3)} (${r.staticOverBound.toFixed(3)}) | ${r.greedySeconds.toFixed(3)} (${r.greedyOverBound.toFixed(3)}) | ${r.dmdaSplit} | ${r.dmdaBatches} |`,
    );
  }
}
