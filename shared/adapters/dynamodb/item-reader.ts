/**
 * Typed reads of stored attributes. Rows come back from DynamoDB as untyped maps; a row that lacks an
 * attribute its entity always writes (or holds the wrong type) is a bug or a corrupted row, so it fails
 * loudly here instead of leaking `undefined` into the domain. Error messages name the entity and attribute,
 * never the value (values can be account data).
 */
import type { StoredItem } from './table';

export class CorruptItemError extends Error {
  constructor(entity: string, attribute: string, expected: string) {
    super(`Stored ${entity} row has no valid ${attribute} (expected ${expected})`);
    this.name = 'CorruptItemError';
  }
}

export class ItemReader {
  constructor(
    private readonly item: StoredItem,
    private readonly entity: string,
  ) {}

  private value(name: string): unknown {
    return this.item[name];
  }

  string(name: string): string {
    const value = this.value(name);
    if (typeof value !== 'string') throw new CorruptItemError(this.entity, name, 'string');
    return value;
  }

  /** Missing and NULL both read as null: writers omit or REMOVE attributes whose value is null. */
  nullableString(name: string): string | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw new CorruptItemError(this.entity, name, 'string or null');
    return value;
  }

  number(name: string): number {
    const value = this.value(name);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new CorruptItemError(this.entity, name, 'number');
    return value;
  }

  boolean(name: string): boolean {
    const value = this.value(name);
    if (typeof value !== 'boolean') throw new CorruptItemError(this.entity, name, 'boolean');
    return value;
  }

  /** A flag its writer stores only when true: missing reads as false. */
  flag(name: string): boolean {
    const value = this.value(name);
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw new CorruptItemError(this.entity, name, 'boolean or absent');
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.value(name);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw new CorruptItemError(this.entity, name, allowed.join('|'));
    }
    return value as T;
  }

  stringList(name: string): string[] {
    const value = this.value(name);
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
      throw new CorruptItemError(this.entity, name, 'list of strings');
    }
    return [...(value as string[])];
  }

  map(name: string): ItemReader {
    const value = this.value(name);
    if (!isPlainMap(value)) throw new CorruptItemError(this.entity, name, 'map');
    return new ItemReader(value, `${this.entity}.${name}`);
  }

  nullableMap(name: string): ItemReader | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (!isPlainMap(value)) throw new CorruptItemError(this.entity, name, 'map or null');
    return new ItemReader(value, `${this.entity}.${name}`);
  }

  mapList(name: string): ItemReader[] {
    const value = this.value(name);
    if (!Array.isArray(value) || !value.every(isPlainMap)) throw new CorruptItemError(this.entity, name, 'list of maps');
    return value.map((entry, index) => new ItemReader(entry, `${this.entity}.${name}[${index}]`));
  }
}

function isPlainMap(value: unknown): value is StoredItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set);
}

/** Reads the `entity` discriminator every row carries and checks it is the expected one. */
export function readerFor(item: StoredItem, entity: string): ItemReader {
  if (item.entity !== entity) throw new CorruptItemError(entity, 'entity', `"${entity}"`);
  return new ItemReader(item, entity);
}
