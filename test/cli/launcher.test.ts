import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAUNCHER } from '../support/tilerun-process.js';

/**
 * bin/tilerun.js runs as an executable (npx tilerun, an installed bin): its first two lines are a
 * sh script that starts Node on the file with glibc's malloc asked for huge pages (GLIBC_TUNABLES,
 * read only when a process starts), the user's own tunables kept after that setting. To Node, the
 * second line is a string and a comment.
 */
const dir = mkdtempSync(join(tmpdir(), 'tilerun-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [shebang, relaunch] = readFileSync(LAUNCHER, 'utf8').split('\n') as [string, string];

/** What GLIBC_TUNABLES a script started through the launcher's first two lines sees. */
function tunablesSeen(env: Record<string, string | undefined>): string {
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `${shebang}\n${relaunch}\nprocess.stdout.write(process.env.GLIBC_TUNABLES ?? '(unset)');\n`);
  chmodSync(probe, 0o755);
  const childEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  return execFileSync(probe, [], { env: childEnv, encoding: 'utf8' });
}

describe('the launcher', () => {
  it('asks for malloc huge pages, keeping the user\'s own GLIBC_TUNABLES after them', () => {
    expect(shebang).toBe('#!/bin/sh');
    expect(relaunch).toBe('":" //; GLIBC_TUNABLES="glibc.malloc.hugetlb=1:${GLIBC_TUNABLES}" exec node "$0" "$@"');
    expect(tunablesSeen({ GLIBC_TUNABLES: undefined })).toBe('glibc.malloc.hugetlb=1:');
    expect(tunablesSeen({ GLIBC_TUNABLES: 'glibc.malloc.check=0' })).toBe('glibc.malloc.hugetlb=1:glibc.malloc.check=0');
  });

  it('runs as an executable and under node alike, passing arguments and the exit code on', () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(execFileSync(LAUNCHER, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync(process.execPath, [LAUNCHER, '--version'], { encoding: 'utf8' }).trim()).toBe(version);
    const missing = join(dir, 'no such file.npy');
    const run = spawnSync(LAUNCHER, ['run', 'tile-stats', missing], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${missing}: no such file`);
  });
});
