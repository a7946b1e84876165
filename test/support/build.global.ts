import { execFileSync } from 'node:child_process';

/** The CLI tests run the shipped launcher (bin/tilerun.js -> dist/), so build once before them. */
export default function setup(): void {
  // A GPU host that runs a prebuilt, packed copy has node but no npm (see ../shared/device).
  if (process.env.TILERUN_PREBUILT === '1') return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
