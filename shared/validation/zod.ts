/**
 * The zod every function bundles: `zod/mini` (the same zod 4 package, functional API, so a bundle carries only
 * the checks it uses instead of every method of every schema class), with zod's English messages so a 400
 * names what is wrong in words. Full `zod` is for the OpenAPI builder, the response schemas and tests.
 * https://zod.dev/packages/mini
 *
 * Every runtime parse goes through {@link safeParse} here, which installs the English messages before the
 * first one. They cannot be installed when this module loads: the project declares `"sideEffects": false`
 * (package.json), so a bundler keeps none of this module's top-level statements when a bundle uses only the
 * names it re-exports (https://esbuild.github.io/api/#ignore-annotations), and zod/mini on its own says only
 * "Invalid input" (https://zod.dev/error-customization#internationalization).
 */
import { config, safeParse as parseWithoutMessages } from 'zod/mini';
import type * as core from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

// Re-exported name by name (importers use `import * as z`), never as one namespace object: an object that
// escapes would keep every export of zod/mini in the bundle. `safeParse` below takes precedence over the
// re-exported one.
export * from 'zod/mini';

let messagesInstalled = false;

/** zod's `safeParse(schema, input)`, with zod's English issue messages. */
export function safeParse<T extends core.$ZodType>(schema: T, input: unknown): ReturnType<typeof parseWithoutMessages<T>> {
  if (!messagesInstalled) {
    config(en());
    messagesInstalled = true;
  }
  return parseWithoutMessages(schema, input);
}
