import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAUNCHER } from '../support/tilerun-process.js';

/**
 * bin/tilerun.js runs as an executable (npx tilerun, an installed bin): its first line asks
 * glibc's malloc for huge pages (GLIBC_TUNABLES, read only when a process starts) and keeps the
 * user's own tunables after that setting.
 */
const dir = mkdtempSync(join(tmpdir(), 'tilerun-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shebang = readFileSync(LAUNCHER, 'utf8').split('\n')[0]!;

/** What GLIBC_TUNABLES a script started through the launcher's first line sees. */
function tunablesSeen(env: Record<string, string | undefined>): string {
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `${shebang}\nprocess.stdout.write(process.env.GLIBC_TUNABLES ?? '(unset)');\n`);
  chmodSync(probe, 0o755);
  const childEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  return execFileSync(probe, [], { env: childEnv, encoding: 'utf8' });
}

describe('the launcher', () => {
  it('asks for malloc huge pages, keeping the user\'s own GLIBC_TUNABLES after them', () => {
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1:\$\{GLIBC_TUNABLES\} node$/);
    expect(tunablesSeen({ GLIBC_TUNABLES: undefined })).toBe('glibc.malloc.hugetlb=1:');
    expect(tunablesSeen({ GLIBC_TUNABLES: 'glibc.malloc.check=0' })).toBe('glibc.malloc.hugetlb=1:glibc.malloc.check=0');
  });

  it('runs as an executable', () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(execFileSync(LAUNCHER, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });
});
