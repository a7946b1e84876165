import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('shows the example kernel module exactly as the tests run it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../kernels/examples/dilate.js', import.meta.url), 'utf8');
    const shown = /<!-- example: kernels\/examples\/dilate\.js -->\n```js\n([\s\S]*?)```\n<!-- end example -->/.exec(readme);
    expect(shown, 'README has the example block').not.toBeNull();
    expect(shown![1]).toBe(example);
  });
});
