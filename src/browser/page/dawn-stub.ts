/**
 * Stands in for Dawn's `webgpu` package in the page bundle (bundle.ts swaps it in): a page
 * reaches WebGPU through navigator.gpu, and its GPUBufferUsage etc. are already globals.
 */
export function create(): never {
  throw new Error("Dawn's node binding is not available in a browser page: use navigator.gpu");
}

export const globals = {};
