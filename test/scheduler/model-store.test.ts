import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir, MAX_MODELS, ModelStore, WRITE_INTERVAL_MS } from '../../src/scheduler/model-store.js';

const run = promisify(execFile);
const model = (seconds: number) => ({ samples: [[1e6, seconds, 0]] as [number, number, number][], observed: 1, updated: '2026-01-01T00:00:00.000Z' });

describe('ModelStore', () => {
  it('lives under TILERUN_CACHE_DIR, else XDG_CACHE_HOME/tilerun, else ~/.cache/tilerun', () => {
    expect(defaultCacheDir({ TILERUN_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/b' })).toBe('/b/tilerun');
    expect(defaultCacheDir({})).toMatch(/\.cache\/tilerun$/);
  });

  it('saves, merges with what is stored, discards on request', () => {
    const store = new ModelStore(mkdtempSync(join(tmpdir(), 'tilerun-models-')));
    expect(store.load().models.size).toBe(0);
    expect(store.save(new Map([['a', model(1)], ['b', model(2)]]))).toBeUndefined();
    expect(store.save(new Map([['c', model(3)]]), ['a'])).toBeUndefined();
    const { models, problem } = store.load();
    expect(problem).toBeUndefined();
    expect([...models.keys()].sort()).toEqual(['b', 'c']);
    expect(store.file).toMatch(/perf-models\.v1\.json$/);
  });

  it('writes a save that follows a write within WRITE_INTERVAL_MS later, merged, while load already sees it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilerun-models-'));
    const store = new ModelStore(dir);
    const onDisk = () => Object.keys((JSON.parse(readFileSync(store.file, 'utf8')) as { models: object }).models).sort();
    expect(store.save(new Map([['a', model(1)]]))).toBeUndefined();
    expect(onDisk()).toEqual(['a']);
    // Another store of the same file in this process (the next run's) waits too.
    expect(new ModelStore(dir).save(new Map([['b', model(2)]]))).toBeUndefined();
    expect(store.save(new Map([['c', model(3)]]), ['a'])).toBeUndefined();
    expect(onDisk()).toEqual(['a']);
    expect([...new ModelStore(dir).load().models.keys()].sort()).toEqual(['b', 'c']);
    // The timer writes them together once the interval has passed.
    await new Promise((resolve) => setTimeout(resolve, WRITE_INTERVAL_MS + 200));
    expect(onDisk()).toEqual(['b', 'c']);
    expect(readdirSync(dir)).toEqual(['perf-models.v1.json']);
  });

  it('keeps the most recently updated models when there are too many', () => {
    const store = new ModelStore(mkdtempSync(join(tmpdir(), 'tilerun-models-')));
    const many = new Map(Array.from({ length: MAX_MODELS + 10 }, (_, i) => [`k${i}`, { ...model(1), updated: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }] as const));
    expect(store.save(many)).toBeUndefined();
    const { models } = store.load();
    expect(models.size).toBe(MAX_MODELS);
    expect(models.has('k0')).toBe(false);
    expect(models.has(`k${MAX_MODELS + 9}`)).toBe(true);
  });

  it('treats a corrupt or foreign-version file as empty, says so, and rewrites it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilerun-models-'));
    const store = new ModelStore(dir);
    writeFileSync(store.file, '{"version": 1, "models": {"a": ');
    expect(store.load().problem).toMatch(/ignored .*perf-models\.v1\.json/);
    writeFileSync(store.file, JSON.stringify({ version: 99, models: {} }));
    expect(store.load().problem).toMatch(/expected version 1/);
    expect(store.save(new Map([['x', model(1)]]))).toBeUndefined();
    expect(store.load()).toEqual({ models: new Map([['x', model(1)]]) });
  });

  it('keeps every model when several processes save at once, and leaves no temp or lock file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilerun-models-'));
    const child = join(import.meta.dirname, '../support/save-models-child.ts');
    await Promise.all(['p', 'q', 'r', 's'].map((prefix) => run(process.execPath, ['--import', 'tsx', child, dir, prefix, '15'])));
    const store = new ModelStore(dir);
    const { models, problem } = store.load();
    expect(problem).toBeUndefined();
    expect(models.size).toBe(60);
    expect(readdirSync(dir)).toEqual(['perf-models.v1.json']);
    expect(existsSync(`${store.file}.lock`)).toBe(false);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).version).toBe(1);
  }, 60_000);
});
