import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/batch/expand-inputs.js';
import { expandBraces, expandGlob, isGlob, segmentRegExp } from '../../src/batch/glob.js';
import { temporaryDirectory } from '../support/fixtures.js';

const dir = temporaryDirectory();
afterAll(() => dir.remove());

const files = ['a.npy', 'b.npy', 'c.png', '.hidden.npy', 'sub/d.npy', 'sub/e.tif', 'sub/deep/f.npy', 'sub/deep/notes.txt', 'x[1].npy', 'out/old.npy'];

beforeAll(() => {
  for (const file of files) {
    mkdirSync(join(dir.path, file, '..'), { recursive: true });
    writeFileSync(join(dir.path, file), 'x');
  }
});

const rel = (paths: readonly string[]) => paths.map((path) => path.slice(dir.path.length + 1));

describe('glob segments', () => {
  it('matches *, ?, classes, alternatives and escapes within one segment', () => {
    expect(segmentRegExp('*.npy').test('scan.npy')).toBe(true);
    expect(segmentRegExp('*.npy').test('scan.npy.bak')).toBe(false);
    expect(segmentRegExp('*.npy').test('.hidden.npy')).toBe(false);
    expect(segmentRegExp('.*.npy').test('.hidden.npy')).toBe(true);
    expect(segmentRegExp('scan?.tif').test('scan7.tif')).toBe(true);
    expect(segmentRegExp('scan?.tif').test('scan77.tif')).toBe(false);
    expect(segmentRegExp('[ab].npy').test('b.npy')).toBe(true);
    expect(segmentRegExp('[!ab].npy').test('b.npy')).toBe(false);
    expect(segmentRegExp('[!ab].npy').test('c.npy')).toBe(true);
    expect(segmentRegExp('[0-9].npy').test('5.npy')).toBe(true);
    expect(segmentRegExp('*.{png,tif}').test('a.tif')).toBe(true);
    expect(segmentRegExp('*.{png,tif}').test('a.npy')).toBe(false);
    expect(segmentRegExp('x\\[1\\].npy').test('x[1].npy')).toBe(true);
    expect(segmentRegExp('a+b(1).npy').test('a+b(1).npy')).toBe(true);
  });

  it('expands braces across segments, nested, leaving escaped and comma-less ones', () => {
    expect(expandBraces('{a/x,b}.npy')).toEqual(['a/x.npy', 'b.npy']);
    expect(expandBraces('s{1,{2,3}}.tif')).toEqual(['s1.tif', 's2.tif', 's3.tif']);
    expect(expandBraces('{x}{a,b}')).toEqual(['{x}a', '{x}b']);
    expect(expandBraces('\\{a,b}')).toEqual(['\\{a,b}']);
    expect(expandBraces('plain.npy')).toEqual(['plain.npy']);
  });

  it('tells patterns from plain paths', () => {
    expect(isGlob('scans/*.npy')).toBe(true);
    expect(isGlob('scans/{a,b}.npy')).toBe(true);
    expect(isGlob('scans/a.npy')).toBe(false);
    expect(isGlob('scans/x\\*.npy')).toBe(false);
  });
});

describe('expandGlob', () => {
  it('expands * in one directory and ** across directories, files only, sorted', async () => {
    expect(rel(await expandGlob(join(dir.path, '*.npy')))).toEqual(['a.npy', 'b.npy', 'x[1].npy']);
    expect(rel(await expandGlob(join(dir.path, '**/*.npy')))).toEqual(['a.npy', 'b.npy', 'out/old.npy', 'sub/d.npy', 'sub/deep/f.npy', 'x[1].npy']);
    expect(rel(await expandGlob(join(dir.path, 's*/*')))).toEqual(['sub/d.npy', 'sub/e.tif']);
    expect(rel(await expandGlob(join(dir.path, '*/{deep/f,d}.npy')))).toEqual(['sub/d.npy', 'sub/deep/f.npy']);
    expect(await expandGlob(join(dir.path, '*.nothing'))).toEqual([]);
  });

  it('keeps a relative pattern relative', async () => {
    const cwd = process.cwd();
    process.chdir(dir.path);
    try {
      expect(await expandGlob('sub/*.npy')).toEqual(['sub/d.npy']);
      expect(await expandGlob('*.png')).toEqual(['c.png']);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('expandInputs', () => {
  const extensions = ['.npy', '.png', '.tif'];

  it('a directory gives its files with accepted extensions; --recursive its subdirectories too; hidden files never', async () => {
    const flat = await expandInputs([dir.path], { recursive: false, extensions });
    expect(rel(flat.map((input) => input.path))).toEqual(['a.npy', 'b.npy', 'c.png', 'x[1].npy']);
    const deep = await expandInputs([dir.path], { recursive: true, extensions, exclude: join(dir.path, 'out') });
    expect(rel(deep.map((input) => input.path))).toEqual(['a.npy', 'b.npy', 'c.png', 'sub/d.npy', 'sub/deep/f.npy', 'sub/e.tif', 'x[1].npy']);
  });

  it('a file named twice (or by a pattern and by name) is one input; a file with glob characters is taken literally', async () => {
    const inputs = await expandInputs([join(dir.path, 'a.npy'), join(dir.path, '*.npy'), join(dir.path, 'x[1].npy')], { recursive: false, extensions });
    expect(rel(inputs.map((input) => input.path))).toEqual(['a.npy', 'b.npy', 'x[1].npy']);
    expect(inputs[0]!.absolute).toBe(resolve(dir.path, 'a.npy'));
  });

  it('a pattern that matches nothing and a missing file are inputs that will fail, named', async () => {
    const inputs = await expandInputs([join(dir.path, '*.dcm'), join(dir.path, 'missing.npy')], { recursive: false, extensions });
    expect(inputs.map((input) => input.problem)).toEqual(['the pattern matched no files', undefined]);
  });

  it('never reads from the output directory', async () => {
    const inputs = await expandInputs([join(dir.path, '**/*.npy')], { recursive: false, extensions, exclude: join(dir.path, 'out') });
    expect(rel(inputs.map((input) => input.path))).not.toContain('out/old.npy');
  });
});
