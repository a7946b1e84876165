import { Option, type Command } from 'commander';
import type { DeviceSelection, RuntimeChoice } from '../devices/select.js';
import { UsageError } from '../errors.js';

export const RUNTIMES = ['node', 'browser'] as const;

/** `--runtime` and `--browser` as commander hands them over. */
export interface RuntimeFlags {
  runtime?: string;
  browser?: string;
}

export function addRuntimeOptions(command: Command): Command {
  return command
    .addOption(new Option('--runtime <where>', `where the devices run: node (WebGPU through Dawn, gpu.js, worker threads) or browser (headless Chromium: WebGPU, gpu.js on WebGL2, Web Workers)`).default('node'))
    .option('--browser <path>', 'with --runtime browser or --devices browser:...: the Chromium or Chrome binary (default: /usr/bin/chromium, else chromium or chrome on PATH)');
}

export function parseRuntime(flags: RuntimeFlags): RuntimeChoice {
  const runtime = flags.runtime ?? 'node';
  if (!(RUNTIMES as readonly string[]).includes(runtime)) throw new UsageError(`unknown --runtime '${runtime}': accepted are ${RUNTIMES.join(', ')}`);
  if (runtime === 'node') {
    if (flags.browser !== undefined) throw new UsageError('--browser is for --runtime browser or --devices browser:<kind>');
    return { kind: 'node' };
  }
  return { kind: 'browser', ...(flags.browser === undefined ? {} : { executable: flags.browser }) };
}

/** The device selection, run where --runtime says. */
export function withRuntime(selection: DeviceSelection, flags: RuntimeFlags): DeviceSelection {
  const mixed = selection.browserKinds !== undefined && selection.browserKinds.length > 0;
  if (mixed) {
    if ((flags.runtime ?? 'node') !== 'node') {
      throw new UsageError(`--devices browser:... adds a browser's devices to Node's; with --runtime ${flags.runtime} name the devices without the prefix (every one runs there)`);
    }
    return flags.browser === undefined ? selection : { ...selection, browserExecutable: flags.browser };
  }
  const runtime = parseRuntime(flags);
  return runtime.kind === 'node' ? selection : { ...selection, runtime };
}
