/**
 * The benchmark report of issue 6: `tilerun bench` over the four kernels the peers also do, on
 * this machine's devices, written to bench/out/report.html (and the table on stdout).
 *
 *   npm run bench:report
 *   npm run bench:report -- --devices cpu,webgpu --size 4096 --report /tmp/report.html
 *
 * Later flags override these defaults (commander keeps the last value of a flag).
 * Figures from a shared machine are orders of magnitude: compare ratios within one report.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { repositoryRoot } from './c-reference.js';

const out = join(repositoryRoot(), 'bench', 'out');
mkdirSync(out, { recursive: true });
const defaults = ['--kernel', 'tile-stats,histogram,convolve,downsample', '--size', '2048,4096', '--tile', '256,512', '--report', join(out, 'report.html')];
const code = await main(['node', 'tilerun', 'bench', ...defaults, ...process.argv.slice(2)]);
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Dawn and worker threads can keep the event loop alive after the work is done.
process.exit(code);
