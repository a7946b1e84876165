import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface FileServer {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Paths requested so far, with their methods ('GET /a.npy'). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server for the files of `dir`: 200 with Content-Length, 404 for a missing file.
 * A path under /truncated/ declares the whole file's length but sends half of it and closes.
 */
export async function serveFiles(dir: string): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(`${request.method} ${url.pathname}`);
    const truncated = url.pathname.startsWith('/truncated/');
    let body: Buffer;
    try {
      body = readFileSync(join(dir, decodeURIComponent(url.pathname.replace(/^\/truncated\//, '/'))));
    } catch {
      response.writeHead(404, 'Not Found').end();
      return;
    }
    response.writeHead(200, { 'content-length': body.byteLength, 'content-type': 'application/octet-stream' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (truncated) {
      response.write(body.subarray(0, body.byteLength >> 1), () => response.destroy());
      return;
    }
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
