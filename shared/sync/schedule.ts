/**
 * Auto-sync timing. Each connection is due `intervalHours` after its last sync, moved by up to ±10 % at
 * random so that connections linked in the same minute (a batch import, a launch day) drift apart instead
 * of hitting the providers in lockstep every 12 hours forever.
 */
const JITTER_FRACTION = 0.1;

export function nextAutoSyncAt(after: Date, intervalHours: number, random: () => number): string {
  const intervalMs = intervalHours * 3_600_000;
  const jitterMs = (random() * 2 - 1) * JITTER_FRACTION * intervalMs;
  return new Date(after.getTime() + intervalMs + jitterMs).toISOString();
}
