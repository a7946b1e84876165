/**
 * The few browser globals the page code uses, typed here: the project compiles against Node's
 * types only (adding the DOM library would retype timers and fetch for all of Node's code).
 */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}

interface WebGl2Like {
  readonly RENDERER: number;
  getExtension(name: 'WEBGL_debug_renderer_info'): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(name: number): unknown;
}

export interface WebSocketLike {
  binaryType: 'arraybuffer' | 'blob';
  send(data: string | Uint8Array): void;
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: ArrayBuffer | string }) => void) | null;
}

export interface BrowserGlobals {
  readonly navigator: { readonly gpu?: GPU; readonly hardwareConcurrency: number; readonly userAgent: string };
  readonly location: { readonly href: string };
  readonly crossOriginIsolated: boolean;
  readonly OffscreenCanvas: new (width: number, height: number) => { getContext(kind: 'webgl2'): WebGl2Like | null };
  readonly Worker: new (url: string, options: { type: 'module' }) => WorkerLike;
  readonly WebAssembly: { compile(bytes: ArrayBuffer): Promise<object> };
  readonly WebSocket: new (url: string) => WebSocketLike;
}

export const browser = globalThis as unknown as BrowserGlobals;
