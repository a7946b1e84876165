import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PageBundle } from './bundle.js';

/** A batch's data while the page works on it: its input rows, and the results it posts back. */
interface BatchSlot {
  readonly input: Uint8Array;
  /** Largest body the page may post (a map's output rows, or a reduction's encoded partials). */
  readonly maxOutputBytes: number;
  output: Buffer | null;
}

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>tilerun</title><script type="module" src="page.js"></script>\n';

/**
 * The runner's loopback server, the page's only source of code and data: 127.0.0.1 only, a
 * random port, a random token as the first path segment; anything else gets 403. The headers
 * make the page cross-origin isolated (SharedArrayBuffer for its Web Workers).
 */
export class PageServer {
  readonly token = randomBytes(24).toString('hex');
  private readonly batches = new Map<number, BatchSlot>();
  private server: Server | null = null;
  private port = 0;
  /** Requests refused (wrong token, host or method), for tests and diagnostics. */
  refused = 0;

  constructor(
    private readonly bundle: PageBundle,
    private readonly wasm: Uint8Array | null,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pageUrl(): string {
    return `${this.origin}/${this.token}/`;
  }

  /** Makes a batch's input available to the page until drop(). */
  put(id: number, input: Uint8Array, maxOutputBytes: number): void {
    this.batches.set(id, { input, maxOutputBytes, output: null });
  }

  /** The body the page posted for a batch, or null if it posted none. */
  output(id: number): Buffer | null {
    return this.batches.get(id)?.output ?? null;
  }

  drop(id: number): void {
    this.batches.delete(id);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.batches.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(response: ServerResponse, status: number): void {
    this.refused++;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 403 ? 'forbidden\n' : 'not found\n');
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    // The Host check keeps a DNS-rebound name from reaching the server through the browser.
    const fromLoopback = request.socket.remoteAddress === '127.0.0.1' && request.headers.host === `127.0.0.1:${this.port}`;
    const prefix = `/${this.token}/`;
    const url = request.url ?? '';
    if (!fromLoopback || !url.startsWith(prefix)) {
      request.resume();
      this.refuse(response, 403);
      return;
    }
    const path = url.slice(prefix.length);
    const headers = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    };
    const send = (type: string, body: string | Uint8Array) => {
      response.writeHead(200, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    };
    const batch = /^(in|out)\/(\d+)$/.exec(path);
    if (request.method === 'GET') {
      if (path === '') send('text/html; charset=utf-8', PAGE_HTML);
      else if (path === 'page.js') send('text/javascript', this.bundle.page);
      else if (path === 'worker.js') send('text/javascript', this.bundle.worker);
      else if (path === 'kernels.wasm' && this.wasm) send('application/wasm', this.wasm);
      else if (batch?.[1] === 'in' && this.batches.has(Number(batch[2]))) send('application/octet-stream', this.batches.get(Number(batch[2]))!.input);
      else this.refuse(response, 404);
      return;
    }
    const slot = batch?.[1] === 'out' ? this.batches.get(Number(batch[2])) : undefined;
    if (request.method !== 'POST' || !slot) {
      request.resume();
      this.refuse(response, request.method === 'POST' ? 404 : 403);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > slot.maxOutputBytes) {
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      slot.output = Buffer.concat(chunks);
      response.writeHead(204, headers).end();
    });
  }
}
