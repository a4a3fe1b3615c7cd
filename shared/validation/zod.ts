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
import { config, safeParse as parseWithoutMessages, ZodMiniISODate, ZodMiniNumber } from 'zod/mini';
import { _coercedNumber, _isoDate } from 'zod/v4/core';
import type * as core from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

// Re-exported name by name (importers use `import * as z`), never as one namespace object: an object that
// escapes would keep every export of zod/mini in the bundle. `safeParse` below takes precedence over the
// re-exported one.
export * from 'zod/mini';

/**
 * `z.coerce.number()` and `z.iso.date()`, built as zod/mini builds them (`zod/v4/mini/coerce.js`, `iso.js`).
 * zod/mini exports `coerce` and `iso` as namespaces (`export * as coerce`), and esbuild keeps a namespace
 * that is re-exported whole: one `z.coerce.number()` put the bigint, boolean and date schemas in the bundle
 * too, one `z.iso.date()` the datetime, time and duration schemas (six zod types and their mini classes,
 * 3 KB, each created when the bundle loads).
 */
export const coercedNumber = (params?: Parameters<typeof _coercedNumber>[1]) => _coercedNumber(ZodMiniNumber, params);
export const isoDate = (params?: Parameters<typeof _isoDate>[1]) => _isoDate(ZodMiniISODate, params);

let messagesInstalled = false;

/** zod's `safeParse(schema, input)`, with zod's English issue messages. */
export function safeParse<T extends core.$ZodType>(schema: T, input: unknown): ReturnType<typeof parseWithoutMessages<T>> {
  if (!messagesInstalled) {
    config(en());
    messagesInstalled = true;
  }
  return parseWithoutMessages(schema, input);
}
