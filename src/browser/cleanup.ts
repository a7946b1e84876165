/**
 * Makes sure no browser, profile directory or server outlives the process: on a normal exit, an
 * uncaught throw, Ctrl-C (SIGINT) and SIGTERM. Each live session registers a synchronous cleanup;
 * signal handlers exist only while a session lives, and after cleaning up they re-raise the
 * signal, so the process ends the way it would have without them.
 */
const live = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];

function cleanAll(): void {
  for (const clean of [...live]) {
    try {
      clean();
    } catch {
      // Keep cleaning the others.
    }
  }
  live.clear();
}

function onSignal(signal: Signal): void {
  cleanAll();
  uninstall();
  // Someone else handles this signal too: they decide whether the process ends.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const handlers = new Map<Signal, () => void>(SIGNALS.map((signal) => [signal, () => onSignal(signal)]));

function install(): void {
  process.on('exit', cleanAll);
  for (const [signal, handler] of handlers) process.on(signal, handler);
}

function uninstall(): void {
  process.off('exit', cleanAll);
  for (const [signal, handler] of handlers) process.off(signal, handler);
}

/** Registers a synchronous cleanup until the returned function is called (after a normal close). */
export function cleanUpOnExit(clean: () => void): () => void {
  if (live.size === 0) install();
  live.add(clean);
  return () => {
    if (!live.delete(clean)) return;
    if (live.size === 0) uninstall();
  };
}
