/**
 * Deterministic pseudo-random numbers for generated sandbox data.
 *
 * The sandboxes derive every generated value (transaction ids, amounts, merchants) from a seed built out of
 * stable identifiers, so the same item and account always produce the same history. Not for anything secret:
 * tokens and keys come from node:crypto instead.
 */

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * 32-bit seed from any number of strings (FNV-1a over the parts, separated so `('ab','c')` ≠ `('a','bc')`).
 *
 * @example
 * const seed = hashSeed(itemId, accountId);
 */
export function hashSeed(...parts: readonly string[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    for (let index = 0; index < part.length; index += 1) {
      hash ^= part.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Small, fast PRNG (mulberry32): good enough spread for test data, a few nanoseconds per draw, which keeps
 * generating tens of thousands of transactions well under a second.
 *
 * @example
 * const random = new SeededRandom(hashSeed('item-1'));
 * random.integer(1, 6); // same sequence on every run
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform amount in [min, max] rounded to cents. */
  amount(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) * 100) / 100;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by relative weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let roll = this.next() * total;
    for (let index = 0; index < items.length; index += 1) {
      roll -= weights[index] ?? 0;
      if (roll < 0) return items[index] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Alphanumeric identifier of `length` characters, the shape Plaid uses for item, account and transaction ids. */
  identifier(length: number): string {
    let out = '';
    for (let index = 0; index < length; index += 1) out += BASE62[Math.floor(this.next() * 62)];
    return out;
  }

  /** A string of decimal digits (account numbers, store numbers). */
  digits(length: number): string {
    let out = '';
    for (let index = 0; index < length; index += 1) out += String(Math.floor(this.next() * 10));
    return out;
  }
}
