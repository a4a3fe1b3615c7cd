import type { Clock } from '../banking/ports';

/** The real clock; tests pass their own {@link Clock}. */
export const systemClock: Clock = { now: () => new Date() };
