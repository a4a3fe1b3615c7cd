/**
 * Whole-day arithmetic in UTC "epoch days" (days since 1970-01-01), which keeps generated histories free of
 * time-zone and DST effects.
 */
const MS_PER_DAY = 86_400_000;

export function epochDay(epochMs: number): number {
  return Math.floor(epochMs / MS_PER_DAY);
}

const isoDateCache = new Map<number, string>();

/** `YYYY-MM-DD`, the `date` format of Plaid transactions (memoised: histories format the same few hundred days). */
export function isoDate(day: number): string {
  let text = isoDateCache.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (isoDateCache.size < 20_000) isoDateCache.set(day, text);
  }
  return text;
}

/** Parses `YYYY-MM-DD`; undefined when the text is not a real calendar date. */
export function parseIsoDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || isoDate(ms / MS_PER_DAY) !== text) return undefined;
  return ms / MS_PER_DAY;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function dayOfMonth(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDate();
}

export function isLastDayOfMonth(day: number): boolean {
  return dayOfMonth(day + 1) === 1;
}

/** `YYYY-MM` of the day; seeds amounts shared by both legs of a monthly transfer. */
export function monthKey(day: number): string {
  return isoDate(day).slice(0, 7);
}
