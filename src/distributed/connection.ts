import type { Redis, RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

/** How long a first connection may take before tilerun says Redis is unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;

/** The URL as it may be printed: the password replaced by ***. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Checks a --redis URL: redis:// or rediss:// (TLS), optionally user:password@ and a /db
 * number. ioredis reads all of these from the URL itself.
 */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis '${url}' is not a URL: give redis://host:6379, rediss://host:6380 (TLS) or redis://user:password@host:6379/0`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis ${safeUrl(url)}: the scheme must be redis:// or rediss:// (TLS), got ${parsed.protocol}//`);
  }
  if (parsed.hostname === '') throw new UsageError(`--redis ${safeUrl(url)}: no host`);
  return url;
}

/**
 * A connected ioredis client, or a UsageError within about CONNECT_TIMEOUT_MS naming the URL and
 * the cause. The first attempt is not retried (an unreachable Redis must not hang the command);
 * once connected, ioredis reconnects on its own, and BullMQ needs maxRetriesPerRequest null so
 * its blocking commands wait through a reconnection instead of failing.
 */
export async function connectRedis(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Redis> {
  checkRedisUrl(url);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    // No retries while the first connection is made; after it, ioredis's usual backoff.
    retryStrategy: () => null,
  };
  // ioredis is imported here, not at start-up (with BullMQ, ~270 ms): only distributed runs need it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, options);
  // ioredis emits 'error' for every failed attempt; the awaited connect() reports the first.
  let lastError: Error | null = null;
  redis.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    const cause = (lastError as Error | null)?.message ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(`cannot reach Redis at ${safeUrl(url)}: ${cause} (is redis-server running there, and are the password and TLS scheme right?)`);
  } finally {
    clearTimeout(timer);
  }
  redis.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  return redis;
}
