import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDone, loadManifest, ManifestWriter, manifestPath, optionsHash, type Manifest } from '../../src/batch/manifest.js';
import { emptyRow, summaryCsv } from '../../src/batch/summary.js';
import { UsageError } from '../../src/errors.js';
import { temporaryDirectory } from '../support/fixtures.js';

const dir = temporaryDirectory();
afterAll(() => dir.remove());

describe('batch manifest', () => {
  it('hashes options whatever their key order, and differently when a value differs', () => {
    expect(optionsHash({ a: 1, b: { c: [1, 2], d: null } })).toBe(optionsHash({ b: { d: null, c: [1, 2] }, a: 1 }));
    expect(optionsHash({ a: 1, b: 2 })).not.toBe(optionsHash({ a: 1, b: 3 }));
    expect(optionsHash({ bins: 16n })).toBe(optionsHash({ bins: 16n }));
  });

  it('an input is done only while unchanged and its output is there', async () => {
    const out = join(dir.path, 'out');
    mkdirSync(out);
    const input = join(dir.path, 'in.npy');
    writeFileSync(input, 'data');
    utimesSync(input, 1_700_000_000, 1_700_000_000);
    writeFileSync(join(out, 'in.json'), '{}');
    const entry = { size: 4, mtimeMs: 1_700_000_000_000, output: 'in.json', finishedAt: '', row: emptyRow('in.npy', 'ok') };
    expect(await isDone(entry, input, out)).toBe(true);
    expect(await isDone(undefined, input, out)).toBe(false);
    expect(await isDone({ ...entry, output: 'gone.json' }, input, out)).toBe(false);
    expect(await isDone({ ...entry, size: 5 }, input, out)).toBe(false);
    utimesSync(input, 1_700_000_001, 1_700_000_001);
    expect(await isDone(entry, input, out)).toBe(false);
  });

  it('saves in order, atomically, and a corrupt manifest is refused with what to do', async () => {
    const out = join(dir.path, 'saved');
    mkdirSync(out);
    expect(await loadManifest(out)).toBeNull();
    const manifest: Manifest = { version: 1, tool: 'tilerun', optionsHash: 'h', options: {}, entries: {} };
    const writer = new ManifestWriter(out, manifest);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.record(`/in/${i}`, { size: i, mtimeMs: i, output: `${i}.json`, finishedAt: '', row: emptyRow(`${i}`, 'ok') })));
    expect(Object.keys((await loadManifest(out))!.entries)).toHaveLength(20);
    writeFileSync(manifestPath(out), '{"tool": "tilerun", "vers');
    await expect(loadManifest(out)).rejects.toThrow(UsageError);
    await expect(loadManifest(out)).rejects.toThrow(/not a tilerun batch manifest.*remove it/);
    expect(readFileSync(manifestPath(out), 'utf8')).toContain('vers');
  });

  it('summary CSV quotes fields holding commas, quotes and line breaks', () => {
    const row = { ...emptyRow('a,b "c".npy', 'failed', 'line one\nline two') };
    const lines = summaryCsv([row]).split('\n');
    expect(lines[1]).toBe('"a,b ""c"".npy",failed,,"line one');
    expect(lines[2]).toBe('line two",,,,,,,,,,');
  });
});
