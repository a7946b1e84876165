import { openDevices } from '../devices/select.js';
import { toJson } from '../io/json.js';
import { readInput } from '../io/read-input.js';
import { ModelStore } from '../scheduler/model-store.js';
import { planRun, type RunPlan } from '../scheduler/plan.js';
import { blameModule } from '../run.js';
import { formatBytes, padTable } from './format.js';
import { parseRunArguments, type RunFlags } from './run-command.js';

function formatPlan(plan: RunPlan, input: string): string {
  const { array } = plan;
  const lines = [
    `plan: ${plan.kernel} on ${input} (${array.height}x${array.width}x${array.channels} ${array.dtype}, ${formatBytes(array.bytes)}), ${plan.tiles} tiles of ${plan.tileHeight}x${plan.tileWidth}`,
  ];
  if (plan.predictedSeconds === null) {
    lines.push('no prediction: none of the chosen devices has a performance model for this job yet (run it once to calibrate)');
  } else {
    const rate = array.bytes / plan.predictedSeconds / 1e9;
    lines.push(`predicted: ${plan.predictedSeconds.toFixed(3)} s (${rate.toFixed(3)} GB/s) from the stored performance models`);
    lines.push(
      padTable([
        ['device', 'model', 'tiles', 'share', 'busy s', 'GB/s'],
        ...plan.devices.map((d) => [
          d.id,
          d.modelBatches > 0 ? `${d.modelBatches} batches` : 'none',
          String(d.tiles),
          `${(d.share * 100).toFixed(1)}%`,
          d.busySeconds.toFixed(3),
          (d.bytesPerSecond / 1e9).toFixed(3),
        ]),
      ]),
    );
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

/** `tilerun plan`: how long a run would take on the chosen devices and how it would split, from the stored models. */
export async function planCommand(first: string, second: string | undefined, flags: RunFlags): Promise<void> {
  const options = await parseRunArguments(first, second, flags);
  const view = await readInput(options.input);
  const opened = await openDevices(options.selection, { ...(options.threads === undefined ? {} : { threads: options.threads }) });
  try {
    let plan: RunPlan;
    try {
      plan = await planRun(options.kernel, view, options.params, opened.devices, new ModelStore(), options.tile);
    } catch (error) {
      throw blameModule(options.kernel, error);
    }
    plan.notes.unshift(...opened.notes);
    process.stdout.write((options.json ? toJson({ input: options.input, ...plan }) : formatPlan(plan, options.input)) + '\n');
  } finally {
    await Promise.allSettled(opened.devices.map((device) => device.close()));
  }
}
