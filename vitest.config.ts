import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.global.ts'],
    // WebGPU pipelines compile on first use on software Vulkan (up to seconds); workers start cold.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One Dawn instance per process is the tested path; files run in separate forks.
    pool: 'forks',
    fileParallelism: false,
    // Performance models persist between runs: tests keep theirs away from the user's cache.
    env: { TILERUN_CACHE_DIR: join(tmpdir(), `tilerun-test-cache-${process.pid}`) },
  },
});
