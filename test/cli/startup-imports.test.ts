import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { encodeNpy } from '../../src/io/npy.js';
import { encodeArray } from '../../src/io/write-array.js';
import { LAUNCHER } from '../support/tilerun-process.js';

/**
 * The packages only some commands need load when those commands run, not at start-up: together
 * they made every command, `--help` included, take ~0.4 s longer (BullMQ and ioredis ~270 ms,
 * sharp ~150, geotiff ~90, ws ~80). A module-loading hook records each package the CLI loads.
 */
const LAZY_PACKAGES = ['bullmq', 'ioredis', 'sharp', 'geotiff', 'ws', 'dicom-parser', 'puppeteer-core'];

const dir = mkdtempSync(join(tmpdir(), 'tilerun-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hook = join(dir, 'hook.mjs');
writeFileSync(
  hook,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.includes('/node_modules/')) appendFileSync(process.env.TILERUN_IMPORT_LOG, url + '\\n');
  return next(url, context);
}
`,
);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);

/** The packages (by name) a CLI invocation loaded. */
function packagesLoadedBy(args: string[]): Set<string> {
  const log = join(dir, `imports-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  execFileSync(process.execPath, ['--import', pathToFileURL(register).href, LAUNCHER, ...args], {
    env: { ...process.env, TILERUN_IMPORT_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const names = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => {
      const parts = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
      return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    });
  return new Set(names);
}

function sample(): ReturnType<typeof allocateArray> {
  const view = allocateArray('u8', 64, 80, 1);
  elementsOf(view).forEach((_, i, data) => (data[i] = (i * 7) % 251));
  return view;
}

describe('CLI start-up', () => {
  it('--help loads none of the packages only some commands need', () => {
    const loaded = packagesLoadedBy(['--help']);
    expect(loaded.has('commander')).toBe(true);
    expect(LAZY_PACKAGES.filter((name) => loaded.has(name))).toEqual([]);
  });

  it('a run on a .npy loads no image, TIFF, DICOM, browser or Redis package', () => {
    const input = join(dir, 'small.npy');
    writeFileSync(input, encodeNpy(sample()));
    const loaded = packagesLoadedBy(['run', 'tile-stats', input, '--devices', 'cpu', '--json']);
    expect(loaded.has('piscina')).toBe(true);
    expect(LAZY_PACKAGES.filter((name) => loaded.has(name))).toEqual([]);
  });

  it('a run on a .png loads sharp when it decodes the image (the hook sees the packages that do load)', async () => {
    const input = join(dir, 'small.png');
    writeFileSync(input, await encodeArray(input, sample()));
    const loaded = packagesLoadedBy(['run', 'tile-stats', input, '--devices', 'cpu', '--json']);
    expect(loaded.has('sharp')).toBe(true);
    expect(loaded.has('bullmq')).toBe(false);
  });
});
