import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/**
 * Glob patterns for inputs given in quotes (Node 20 has no fs.glob): `*` and `?` within one path
 * segment, `[abc]` / `[a-z]` / `[!abc]` classes, `{a,b}` alternatives, `**` for any number of
 * directories, and `\` to escape. As in a shell, wildcards do not match a leading dot, and a
 * pattern matches files only (a directory is an input only when named).
 */

const MAGIC = /(?<!\\)[*?[{]/;

/** True when a command-line argument holds an unescaped wildcard. */
export function isGlob(text: string): boolean {
  return MAGIC.test(text);
}

function escapeRegExp(char: string): string {
  return /[.+^$|()\\{}[\]*?/]/.test(char) ? `\\${char}` : char;
}

/** One path segment of a pattern as an anchored regular expression. */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '\\' && i + 1 < segment.length) {
      source += escapeRegExp(segment[++i]!);
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (c) => `\\${c}`)}]`;
      i = end;
    } else if (char === '{') {
      braces++;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (char === ',' && braces > 0) {
      source += '|';
    } else {
      source += escapeRegExp(char);
    }
  }
  if (braces > 0) throw new Error(`unbalanced '{' in glob segment '${segment}'`);
  // A leading wildcard does not match a hidden name (shell convention): `*.npy` skips `.x.npy`.
  const hiddenGuard = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hiddenGuard}${source}$`);
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() === true;
}

/**
 * Shell brace expansion, done before the pattern is split into segments so an alternative may
 * hold a `/`: `{a/x,b}.npy` is `a/x.npy` and `b.npy`. Braces nest; an escaped or unclosed brace,
 * or one without a comma, stays as it is.
 */
export function expandBraces(pattern: string): string[] {
  let open = -1;
  let depth = 0;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      i++;
    } else if (char === '{') {
      if (depth === 0) {
        open = i;
        commas.length = 0;
      }
      depth++;
    } else if (char === ',' && depth === 1) {
      commas.push(i);
    } else if (char === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        if (commas.length === 0) continue;
        const bounds = [open, ...commas, i];
        const prefix = pattern.slice(0, open);
        const suffix = pattern.slice(i + 1);
        return bounds.slice(1).flatMap((end, k) => expandBraces(prefix + pattern.slice(bounds[k]! + 1, end) + suffix));
      }
    }
  }
  return [pattern];
}

/** The files a pattern matches, sorted, as paths in the pattern's own form (relative stays relative). */
export async function expandGlob(pattern: string): Promise<string[]> {
  const alternatives = expandBraces(pattern);
  if (alternatives.length > 1) {
    const all = new Set<string>();
    for (const alternative of alternatives) for (const path of await expandGlob(alternative)) all.add(path);
    return [...all].sort();
  }
  const absolute = isAbsolute(pattern);
  const segments = pattern.split('/').filter((segment, index) => segment !== '' || index === 0);
  if (absolute) segments.shift();
  const matches = new Set<string>();
  const start = absolute ? '/' : '';
  const resolveDir = (dir: string): string => (dir === '' ? '.' : dir);

  const walk = async (dir: string, index: number): Promise<void> => {
    const segment = segments[index]!;
    const last = index === segments.length - 1;
    if (segment === '**') {
      if (last) throw new Error(`a glob cannot end with '**' (${pattern}): add a file pattern such as **/*.npy`);
      await walk(dir, index + 1);
      const entries = await readdir(resolveDir(dir), { withFileTypes: true }).catch(() => []);
      // Symbolic links to directories are not followed: a link loop would never end.
      for (const entry of entries) {
        if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(join(dir, entry.name), index);
      }
      return;
    }
    if (!isGlob(segment)) {
      const path = dir === '' ? unescape(segment) : join(dir, unescape(segment));
      if (last) {
        if ((await stat(path).catch(() => null))?.isFile()) matches.add(path);
      } else if (await isDirectory(path)) {
        await walk(path, index + 1);
      }
      return;
    }
    const regexp = segmentRegExp(segment);
    const entries = await readdir(resolveDir(dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!regexp.test(entry.name)) continue;
      const path = dir === '' ? entry.name : join(dir, entry.name);
      const info = await stat(path).catch(() => null);
      if (last ? info?.isFile() : info?.isDirectory()) {
        if (last) matches.add(path);
        else await walk(path, index + 1);
      }
    }
  };
  if (segments.length > 0) await walk(start, 0);
  return [...matches].sort();
}
