import { describe, expect, it } from 'vitest';
import { commonDirectory, outputNames } from '../../src/batch/output-names.js';

describe('output names', () => {
  it('keep the directories below the one all inputs share, so same-named inputs never collide', () => {
    const names = outputNames(['/data/a/scan.png', '/data/b/scan.png', '/data/b/c/scan.png'], '.json');
    expect([...names.values()]).toEqual(['a/scan.json', 'b/scan.json', 'b/c/scan.json']);
    expect(commonDirectory(['/data/a/x', '/data/b/y'])).toBe('/data');
    expect(commonDirectory(['/x', '/data/b/y'])).toBe('/');
  });

  it('one input is named after its own file', () => {
    expect([...outputNames(['/data/a/scan.png'], '.npy').values()]).toEqual(['scan.npy']);
  });

  it('inputs that differ only in extension or case keep their whole name, then get a number', () => {
    const names = outputNames(['/d/scan.png', '/d/scan.tif', '/d/SCAN.npy', '/d/scan.png.npy'], '.npy');
    expect([...names.values()]).toEqual(['scan.npy', 'scan.tif.npy', 'SCAN.npy.npy', 'scan.png.npy']);
    const all = [...names.values()].map((name) => name.toLowerCase());
    expect(new Set(all).size).toBe(all.length);
  });

  it('never takes the summary or manifest names', () => {
    const names = outputNames(['/d/summary.png', '/d/other.png'], '.json');
    expect(names.get('/d/summary.png')).toBe('summary.png.json');
  });

  it('keeps names recorded by an earlier run and avoids them for new inputs', () => {
    const fixed = new Map([['/d/new/scan.tif', 'scan.npy']]);
    const names = outputNames(['/d/new/scan.png', '/d/new/scan.tif'], '.npy', fixed);
    expect(names.get('/d/new/scan.tif')).toBe('scan.npy');
    expect(names.get('/d/new/scan.png')).toBe('scan.png.npy');
  });
});
