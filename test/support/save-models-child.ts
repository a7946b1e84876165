/** Child process for the model-store test: saves `count` models under its own prefix, one save each. */
import { ModelStore } from '../../src/scheduler/model-store.js';

const [dir, prefix, count] = process.argv.slice(2) as [string, string, string];
const store = new ModelStore(dir);
for (let i = 0; i < Number(count); i++) {
  const problem = store.save(new Map([[`${prefix}-${i}`, { samples: [[1e6, 0.001 * (i + 1), 0]], observed: i + 1, updated: new Date().toISOString() }]]));
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
