/**
 * `--devices` and `--runtime` as the CLI reads them: Node's devices, a browser's (all of them with
 * --runtime browser) or both side by side (browser:<kind> beside plain kinds).
 */
import { describe, expect, it } from 'vitest';
import { withRuntime } from '../../src/cli/runtime-flags.js';
import { parseDeviceSelection } from '../../src/devices/select.js';
import { UsageError } from '../../src/errors.js';

describe('parseDeviceSelection', () => {
  it('reads auto and lists of Node device kinds', () => {
    expect(parseDeviceSelection('auto')).toEqual({ auto: true, kinds: [] });
    expect(parseDeviceSelection('cpu, WebGPU,cpu')).toEqual({ auto: false, kinds: ['cpu', 'webgpu'] });
  });

  it('reads browser:<kind> as a browser device beside the Node ones', () => {
    expect(parseDeviceSelection('browser:webgpu,cpu,browser:cpu')).toEqual({ auto: false, kinds: ['cpu'], browserKinds: ['webgpu', 'cpu'] });
    expect(parseDeviceSelection('browser:gpujs')).toEqual({ auto: false, kinds: [], browserKinds: ['gpujs'] });
  });

  it('names what it accepts when a device is unknown', () => {
    expect(() => parseDeviceSelection('cpu,tpu')).toThrow(UsageError);
    expect(() => parseDeviceSelection('browser:tpu')).toThrow(/unknown device 'browser:tpu'.*accepted are auto, cpu.*browser:webgpu/);
  });
});

describe('withRuntime', () => {
  it('keeps a Node selection as it is, and moves every device into the browser with --runtime browser', () => {
    const selection = parseDeviceSelection('cpu,webgpu');
    expect(withRuntime(selection, { runtime: 'node' })).toEqual(selection);
    expect(withRuntime(selection, { runtime: 'browser', browser: '/opt/chrome' })).toEqual({ ...selection, runtime: { kind: 'browser', executable: '/opt/chrome' } });
  });

  it('takes --browser for browser:<kind> devices under the default runtime', () => {
    expect(withRuntime(parseDeviceSelection('browser:cpu,cpu'), { browser: '/opt/chrome' })).toEqual({ auto: false, kinds: ['cpu'], browserKinds: ['cpu'], browserExecutable: '/opt/chrome' });
  });

  it('refuses what does not fit together, naming the flags', () => {
    expect(() => withRuntime(parseDeviceSelection('browser:cpu,cpu'), { runtime: 'browser' })).toThrow(/browser:\.\.\. adds a browser's devices to Node's/);
    expect(() => withRuntime(parseDeviceSelection('cpu'), { browser: '/opt/chrome' })).toThrow(/--browser is for --runtime browser or --devices browser:<kind>/);
    expect(() => withRuntime(parseDeviceSelection('cpu'), { runtime: 'deno' })).toThrow(/unknown --runtime 'deno': accepted are node, browser/);
  });
});
