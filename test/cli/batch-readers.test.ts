import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/fixtures.js';
import { EXPLICIT_LE, writeTestDicom } from '../support/dicom-writer.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir.path });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('batches read inputs as single runs do', () => {
  it('a DICOM file in a directory is an input (rescaled to f32, as alone), and a multi-frame one fails naming --stack', () => {
    mkdirSync(join(dir.path, 'scans'));
    const values = Array.from({ length: 40 * 30 }, (_, i) => (i * 37) % 4096);
    writeTestDicom(join(dir.path, 'scans/ct.dcm'), { syntax: EXPLICIT_LE, rows: 40, columns: 30, bitsAllocated: 16, bitsStored: 12, slope: 2, intercept: -1024, values });
    writeTestDicom(join(dir.path, 'scans/cine.dcm'), { syntax: EXPLICIT_LE, rows: 8, columns: 8, frames: 3, bitsAllocated: 8, values: Array.from({ length: 192 }, (_, i) => i) });
    const out = join(dir.path, 'out');
    const batch = tilerun('stats', 'scans', '--out-dir', out, '--devices', 'cpu', '--tile', '16');
    expect(batch.code, batch.stderr).toBe(4);
    expect(batch.stderr).toContain('cine.dcm');
    expect(batch.stderr).toMatch(/--stack/);
    const alone = tilerun('stats', 'scans/ct.dcm', '--devices', 'cpu', '--tile', '16', '--json');
    expect(alone.code, alone.stderr).toBe(0);
    const fromBatch = JSON.parse(readFileSync(join(out, 'ct.json'), 'utf8')) as { whole: unknown; tiles: unknown };
    const single = JSON.parse(alone.stdout) as { whole: unknown; tiles: unknown };
    expect(fromBatch.whole).toEqual(single.whole);
    expect(fromBatch.tiles).toEqual(single.tiles);
  });
});
