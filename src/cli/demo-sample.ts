import { allocateArray, elementsOf, type ArrayView } from '../array/array-view.js';

/**
 * A built-in sample: a synthetic fluorescence-microscopy-like u8 frame (bright blobs on a
 * vignetted background with shot-like noise, a few saturated pixels), deterministic so every
 * machine sees the same statistics. Its size is not a multiple of the demo tile, so edge tiles
 * show up too.
 */
export function demoSample(height = 3000, width = 4000): ArrayView {
  const view = allocateArray('u8', height, width, 1);
  const data = elementsOf(view);
  let seed = 0x2545f491;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const blobs = Array.from({ length: 60 }, () => ({
    y: random() * height,
    x: random() * width,
    radius: 20 + random() * 120,
    brightness: 60 + random() * 180,
  }));
  const background = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dy = (y - height / 2) / height;
      const dx = (x - width / 2) / width;
      background[y * width + x] = 30 * (1 - 1.5 * (dx * dx + dy * dy));
    }
  }
  for (const blob of blobs) {
    const reach = Math.ceil(blob.radius * 3);
    for (let y = Math.max(0, Math.floor(blob.y - reach)); y < Math.min(height, blob.y + reach); y++) {
      for (let x = Math.max(0, Math.floor(blob.x - reach)); x < Math.min(width, blob.x + reach); x++) {
        const d2 = ((y - blob.y) ** 2 + (x - blob.x) ** 2) / (blob.radius * blob.radius);
        background[y * width + x]! += blob.brightness * Math.exp(-d2);
      }
    }
  }
  for (let i = 0; i < data.length; i++) {
    const noise = (random() + random() + random() - 1.5) * 12;
    data[i] = Math.max(0, Math.min(255, Math.round(background[i]! + noise)));
  }
  return view;
}
