import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { PassRecord } from '../run.js';
import { explainSchedule } from '../scheduler/explain.js';
import { chromeTrace } from '../scheduler/trace.js';
import { checkOutputPath } from './output-path.js';

/** The scheduling flags every kernel command takes, as commander hands them over. */
export interface ScheduleFlags {
  trace?: string;
  explain?: boolean;
  recalibrate?: boolean;
}

export interface ScheduleChoices {
  trace?: string;
  explain: boolean;
  recalibrate: boolean;
}

export function addScheduleOptions(command: Command): Command {
  return command
    .option('--trace <file.json>', 'write a Chrome trace of the run (open in Perfetto or chrome://tracing): one track per device lane, one slice per batch')
    .option('--explain', 'print, per device, tiles, bytes, busy time and utilisation, and why the scheduler split the work so')
    .option('--recalibrate', 'ignore the stored performance models for this job and learn them again');
}

/** Checks the trace path before any work, like every output. */
export async function parseScheduleFlags(flags: ScheduleFlags): Promise<ScheduleChoices> {
  const choices: ScheduleChoices = { explain: flags.explain === true, recalibrate: flags.recalibrate === true };
  if (flags.trace !== undefined) {
    await checkOutputPath('--trace', flags.trace, ['.json']);
    choices.trace = flags.trace;
  }
  return choices;
}

/**
 * Writes the trace and prints the explanation a run was asked for. With --json, stdout is for
 * the result alone, so the explanation goes to stderr.
 */
export async function reportSchedule(schedule: readonly PassRecord[], choices: ScheduleChoices, title: string, json: boolean): Promise<void> {
  if (choices.trace !== undefined) {
    await writeFileAtomic(choices.trace, JSON.stringify(chromeTrace(schedule, title)) + '\n');
    (json ? process.stderr : process.stdout).write(`wrote trace ${choices.trace}\n`);
  }
  if (choices.explain) (json ? process.stderr : process.stdout).write(explainSchedule(schedule) + '\n');
}

/**
 * Runs `work`; if it fails after scheduling began, writes the trace and explanation of what ran
 * (to stderr: the run's output is its error), then rethrows.
 */
export async function reportingFailures<T>(work: () => Promise<T>, choices: ScheduleChoices, title: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const schedule = (error as { schedule?: PassRecord[] }).schedule;
    if (schedule && schedule.length > 0 && (choices.trace !== undefined || choices.explain)) {
      await reportSchedule(schedule, choices, `${title} (failed)`, true).catch(() => undefined);
    }
    throw error;
  }
}
