import { execFileSync } from 'node:child_process';

/** The CLI tests run the shipped launcher (bin/tilerun.js -> dist/), so build once before them. */
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
