import type { DeviceRecord } from './records.js';

/** Per device, the records of several runs (the bands of a streamed pass) summed into one. */
export function mergeDeviceRecords(runs: readonly (readonly DeviceRecord[])[]): DeviceRecord[] {
  const byId = new Map<string, DeviceRecord>();
  for (const records of runs) {
    for (const record of records) {
      const seen = byId.get(record.id);
      if (!seen) {
        byId.set(record.id, { ...record });
        continue;
      }
      seen.tiles += record.tiles;
      seen.bytes += record.bytes;
      seen.batches += record.batches;
      seen.busySeconds += record.busySeconds;
      seen.failures += record.failures;
      seen.waits += record.waits;
      seen.lastWaitReason = record.lastWaitReason ?? seen.lastWaitReason;
      seen.retired = record.retired ?? seen.retired;
      seen.model = record.model;
      seen.bytesPerSecond = seen.busySeconds > 0 ? seen.bytes / seen.busySeconds : 0;
    }
  }
  return [...byId.values()];
}
