import type { PassRecord } from '../run.js';

/** One Chrome trace event (the JSON Perfetto and chrome://tracing open). */
interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 'i';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  s?: 't';
  cat?: string;
  args?: Record<string, unknown>;
}

const micros = (seconds: number): number => Math.round(seconds * 1e6);
const millis = (seconds: number | null): number | null => (seconds === null ? null : Number((seconds * 1000).toFixed(3)));

/**
 * The run as a Chrome trace-event file: one track per device lane (a worker thread, a GPU
 * submission slot), one slice per batch carrying its tiles, bytes, predicted and actual time and
 * why the scheduler chose it; failures as instant events; a track of passes on top.
 */
export function chromeTrace(schedule: readonly PassRecord[], title: string): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms'; otherData: Record<string, unknown> } {
  const events: TraceEvent[] = [{ name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: title } }];
  events.push({ name: 'thread_name', ph: 'M', pid: 1, tid: 0, args: { name: 'passes' } });
  const tracks = new Map<string, number>();
  const track = (device: string, lane: number): number => {
    const key = `${device} lane ${lane}`;
    let tid = tracks.get(key);
    if (tid === undefined) {
      tid = tracks.size + 1;
      tracks.set(key, tid);
      events.push({ name: 'thread_name', ph: 'M', pid: 1, tid, args: { name: key } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid: 1, tid, args: { sort_index: tid } });
    }
    return tid;
  };
  for (const pass of schedule) {
    events.push({
      name: `pass ${pass.pass}: ${pass.kernel}`,
      cat: 'pass',
      ph: 'X',
      pid: 1,
      tid: 0,
      ts: micros(pass.start),
      dur: micros(pass.seconds),
      args: { tiles: pass.tiles, tile: `${pass.tileHeight}x${pass.tileWidth}`, policy: pass.policy },
    });
    for (const device of pass.devices) for (let lane = 0; lane < device.lanes; lane++) track(device.id, lane);
    for (const batch of pass.batches) {
      events.push({
        name: `tiles ${batch.firstTile}..${batch.firstTile + batch.tileCount - 1}${batch.error ? ' (failed)' : ''}`,
        cat: pass.kernel,
        ph: 'X',
        pid: 1,
        tid: track(batch.device, batch.lane),
        ts: micros(pass.start + batch.start),
        dur: Math.max(1, micros(batch.seconds)),
        args: {
          tiles: batch.tileCount,
          bytes: batch.bytes,
          actualMs: millis(batch.seconds),
          predictedMs: millis(batch.predictedSeconds),
          transferMs: millis(batch.transferSeconds),
          attempt: batch.attempt,
          reason: batch.reason,
          ...(batch.error ? { error: batch.error } : {}),
        },
      });
    }
    for (const fault of pass.faults) {
      events.push({
        name: `fault on ${fault.device}`,
        cat: 'fault',
        ph: 'i',
        s: 't',
        pid: 1,
        tid: 0,
        ts: micros(pass.start + fault.at),
        args: { tiles: `${fault.firstTile}..${fault.firstTile + fault.tileCount - 1}`, message: fault.message, action: fault.action },
      });
    }
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { tool: 'tilerun', title } };
}
