/**
 * A schema built the first time something reads it, instead of when its module loads.
 *
 * Every function bundle evaluates all of its modules before it can answer, and building a zod schema runs
 * zod's constructors for each of its parts: a route's request schemas cost milliseconds of cold start even
 * when the request is refused before validation (a missing token), and a worker pays for message schemas it
 * reads only when a message arrives. The returned object stands for the schema (it forwards every property
 * read, so `safeParse(schema, input)`, `schema.safeParse(input)`, nesting it in another schema and
 * `z.toJSONSchema` all see the real one) and builds it once, on first use.
 *
 * @example
 * export const connectionPath = lazySchema(() => z.object({ connectionId: id() }));
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(schema(), key),
    has: (_target, key) => Reflect.has(schema(), key),
    set: (_target, key, value) => Reflect.set(schema(), key, value),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // The stand-in has no properties of its own; a proxy may only report configurable ones it lacks.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
