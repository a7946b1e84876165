/**
 * The page's channel for bulk data: one WebSocket to the runner's loopback server (the token path
 * plus `ws`). A batch's input rows come in as one binary message, its results go out as one.
 * Measured here (headless Chromium, loopback): a `fetch` of 116 KiB took 14 ms and of 1 MiB 39 ms
 * (8.5 and 27 MB/s), a WebSocket message 4 and 14 ms (29 and 75 MB/s): a fetch pays the network
 * service's per-request cost, and batches are rarely larger than a few MiB.
 *
 * Messages (see src/browser/server.ts): the page sends `in <id>` and receives [u32 id][rows]; it
 * sends [u32 id][results] and receives `stored <id>`; `missing <id>` or `refused <id> <why>` fail
 * that batch. Ids are little-endian; several batches (lanes) share the socket.
 */
import { browser, type WebSocketLike } from './browser-globals.js';

interface Waiting {
  resolve(data: Uint8Array | null): void;
  reject(error: Error): void;
}

let socket: Promise<WebSocketLike> | null = null;
const waiting = new Map<string, Waiting>();

function failAll(error: Error): void {
  for (const entry of waiting.values()) entry.reject(error);
  waiting.clear();
}

function connect(): Promise<WebSocketLike> {
  const url = new URL('ws', browser.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const opening = new Promise<WebSocketLike>((resolve, reject) => {
    const ws = new browser.WebSocket(url.href);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`the batch socket ${url.pathname} could not be opened`));
    ws.onclose = (event) => {
      socket = null;
      failAll(new Error(`the batch socket closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`));
    };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') {
        const [verb, id, ...why] = event.data.split(' ');
        const inKey = `in ${id}`;
        const outKey = `out ${id}`;
        if (verb === 'stored') settle(outKey, null);
        else if (verb === 'missing') fail([inKey, outKey], `the runner has no batch ${id} (it was given up on)`);
        else if (verb === 'refused') fail([inKey, outKey], `the runner refused batch ${id}'s results: ${why.join(' ')}`);
        return;
      }
      const id = new DataView(event.data).getUint32(0, true);
      settle(`in ${id}`, new Uint8Array(event.data, 4));
    };
  });
  opening.catch(() => (socket = null));
  return opening;
}

function settle(key: string, data: Uint8Array | null): void {
  const entry = waiting.get(key);
  waiting.delete(key);
  entry?.resolve(data);
}

function fail(keys: string[], message: string): void {
  for (const key of keys) {
    const entry = waiting.get(key);
    waiting.delete(key);
    entry?.reject(new Error(message));
  }
}

async function exchange(key: string, message: string | Uint8Array): Promise<Uint8Array | null> {
  socket ??= connect();
  const ws = await socket;
  return new Promise((resolve, reject) => {
    waiting.set(key, { resolve, reject });
    try {
      ws.send(message);
    } catch (error) {
      waiting.delete(key);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** A batch's input rows, as the runner put them. */
export async function receiveInput(id: number): Promise<Uint8Array> {
  return (await exchange(`in ${id}`, `in ${id}`))!;
}

/** Sends a batch's results (a map's output rows, or encoded partials); resolves once stored. */
export async function sendResults(id: number, body: Uint8Array): Promise<void> {
  const message = new Uint8Array(4 + body.byteLength);
  new DataView(message.buffer).setUint32(0, id, true);
  message.set(body, 4);
  await exchange(`out ${id}`, message);
}
