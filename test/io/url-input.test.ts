/**
 * Inputs named by http(s) URLs: downloaded to a temporary file, then read like a local file; a
 * server error, a short body or a changed size is an InputError naming the URL, and nothing is
 * left in the temporary directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { InputError } from '../../src/errors.js';
import { encodeNpy } from '../../src/io/npy.js';
import { downloadInput, isHttpUrl, remoteSize, urlExtension } from '../../src/io/url-input.js';
import { serveFiles, type FileServer } from '../support/file-server.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { LAUNCHER } from '../support/tilerun-process.js';

const dir = temporaryDirectory();
let server: FileServer;
const npy = encodeNpy(arrayFromElements('u16', 90, 70, 1, Array.from({ length: 90 * 70 }, (_, i) => (i * 7919) % 65536)));

beforeAll(async () => {
  writeFileSync(join(dir.path, 'scan.npy'), npy);
  server = await serveFiles(dir.path);
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('tilerun-url-') && existsSync(join(tmpdir(), name, 'input.npy')));

describe('URL inputs', () => {
  it('knows a URL from a path, and its extension from its path alone', () => {
    expect(isHttpUrl('https://example.org/a.npy')).toBe(true);
    expect(isHttpUrl('HTTP://example.org/a.npy')).toBe(true);
    expect(isHttpUrl('/data/http://x.npy')).toBe(false);
    expect(isHttpUrl('ftp://example.org/a.npy')).toBe(false);
    expect(urlExtension('https://example.org/dir/scan.TIF?token=a.b#c.d')).toBe('.tif');
  });

  it('downloads the file to a temporary file named after its type, and removes it', async () => {
    const before = leftovers().length;
    const downloaded = await downloadInput(`${server.base}/scan.npy`, npy.byteLength);
    expect(downloaded.bytes).toBe(npy.byteLength);
    expect(downloaded.path.endsWith('input.npy')).toBe(true);
    expect(Buffer.compare(readFileSync(downloaded.path), Buffer.from(npy))).toBe(0);
    await downloaded.remove();
    expect(existsSync(downloaded.path)).toBe(false);
    expect(leftovers().length).toBe(before);
    expect(await remoteSize(`${server.base}/scan.npy`)).toBe(npy.byteLength);
  });

  it('names the URL and the reason when the server says no, the body stops short or the size changed, and leaves nothing', async () => {
    const before = leftovers().length;
    const failures: [string, number | undefined, RegExp][] = [
      [`${server.base}/missing.npy`, undefined, /missing\.npy: cannot download: the server answered HTTP 404 Not Found/],
      [`${server.base}/truncated/scan.npy`, undefined, /truncated\/scan\.npy: (download failed|download stopped at)/],
      [`${server.base}/scan.npy`, npy.byteLength + 1, /is \d+ bytes now, but \d+ when the job was made/],
      ['http://127.0.0.1:1/scan.npy', undefined, /cannot download \(fetch failed/],
    ];
    for (const [url, expected, message] of failures) {
      const error = await downloadInput(url, expected).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(remoteSize(`${server.base}/missing.npy`)).rejects.toThrow(/HTTP 404/);
    expect(leftovers().length).toBe(before);
  });

  it('tilerun stats URL gives the local file its answer, and a missing URL is exit 2 naming it', async () => {
    // Asynchronous: the server answering the child runs in this process.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [LAUNCHER, ...args], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const local = await cli('stats', join(dir.path, 'scan.npy'), '--devices', 'cpu', '--threads', '1', '--tile', '32', '--json');
    const remote = await cli('stats', `${server.base}/scan.npy`, '--devices', 'cpu', '--threads', '1', '--tile', '32', '--json');
    expect(local.status, local.stderr).toBe(0);
    expect(remote.status, remote.stderr).toBe(0);
    const a = JSON.parse(local.stdout) as { whole: unknown; tiles: unknown };
    const b = JSON.parse(remote.stdout) as { whole: unknown; tiles: unknown; input: string; notes: string[] };
    expect(b.whole).toEqual(a.whole);
    expect(b.tiles).toEqual(a.tiles);
    expect(b.input).toBe(`${server.base}/scan.npy`);
    expect(b.notes[0]).toBe(`downloaded ${npy.byteLength} bytes from ${server.base}/scan.npy`);
    const missing = await cli('stats', `${server.base}/nothing.npy`);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nothing\.npy: cannot download: the server answered HTTP 404/);
    const batch = await cli('stats', `${server.base}/scan.npy`, join(dir.path, 'scan.npy'), '--out-dir', join(dir.path, 'out'));
    expect(batch.status).toBe(2);
    expect(batch.stderr).toMatch(/a URL is read by a single-input command/);
  }, 120_000);
});
