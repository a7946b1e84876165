import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
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
 * make the page cross-origin isolated (SharedArrayBuffer for its Web Workers). Batch data moves
 * over one WebSocket at <token>/ws (see page/batch-socket.ts for why and for the messages); the
 * same data is also served as GET in/<id> and POST out/<id>.
 */
export class PageServer {
  readonly token = randomBytes(24).toString('hex');
  private readonly batches = new Map<number, BatchSlot>();
  private server: Server | null = null;
  private sockets: WebSocketServer | null = null;
  private port = 0;
  /** Requests refused (wrong token, host or method), for tests and diagnostics. */
  refused = 0;

  constructor(
    private readonly bundle: PageBundle,
    private readonly wasm: Uint8Array | null,
  ) {}

  async listen(): Promise<void> {
    // ws is imported here, not at start-up (~80 ms): only browser runs serve pages.
    const { WebSocketServer } = await import('ws');
    const server = createServer((request, response) => this.handle(request, response));
    this.server = server;
    const sockets = new WebSocketServer({ noServer: true, maxPayload: 2 ** 31 - 1 });
    this.sockets = sockets;
    sockets.on('connection', (socket: WebSocket) => socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(socket, data, isBinary)));
    server.on('upgrade', (request: IncomingMessage, stream: Duplex, head: Buffer) => {
      if (!this.fromLoopback(request) || request.url !== `/${this.token}/ws`) {
        this.refused++;
        stream.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
        return;
      }
      sockets.handleUpgrade(request, stream, head, (socket) => sockets.emit('connection', socket, request));
    });
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
    for (const socket of this.sockets?.clients ?? []) socket.terminate();
    this.sockets?.close();
    this.sockets = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(response: ServerResponse, status: number): void {
    this.refused++;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 403 ? 'forbidden\n' : 'not found\n');
  }

  /** The Host check keeps a DNS-rebound name from reaching the server through the browser. */
  private fromLoopback(request: IncomingMessage): boolean {
    return request.socket.remoteAddress === '127.0.0.1' && request.headers.host === `127.0.0.1:${this.port}`;
  }

  /** `in <id>`: the batch's rows back as [u32 id][rows]; binary [u32 id][results]: stored. */
  private onMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!isBinary) {
      const asked = /^in (\d+)$/.exec(bytes.toString('utf8'));
      if (!asked) return void socket.close(1008, 'unknown request');
      const id = Number(asked[1]);
      const slot = this.batches.get(id);
      if (!slot) return void socket.send(`missing ${id}`);
      const message = Buffer.allocUnsafe(4 + slot.input.byteLength);
      message.writeUInt32LE(id, 0);
      message.set(slot.input, 4);
      socket.send(message);
      return;
    }
    if (bytes.byteLength < 4) return void socket.close(1008, 'a results message needs a batch id');
    const id = bytes.readUInt32LE(0);
    const slot = this.batches.get(id);
    if (!slot) return void socket.send(`missing ${id}`);
    if (bytes.byteLength - 4 > slot.maxOutputBytes) return void socket.send(`refused ${id} ${bytes.byteLength - 4} bytes, at most ${slot.maxOutputBytes} expected`);
    slot.output = bytes.subarray(4);
    socket.send(`stored ${id}`);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const fromLoopback = this.fromLoopback(request);
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
