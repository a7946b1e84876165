/**
 * JSON that keeps what plain JSON.stringify loses: bigints are written as exact integer literals
 * (JSON allows any number of digits; Python and jq read them exactly), and NaN and infinities,
 * which JSON has no literal for, as the strings "NaN", "Infinity" and "-Infinity".
 */
export function toJson(value: unknown, indent = 2): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === 'bigint') return `${marker}${item.toString()}`;
      if (typeof item === 'number' && !Number.isFinite(item)) return String(item);
      if (item instanceof Uint32Array || item instanceof Float64Array) return Array.from(item);
      return item;
    },
    indent,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
