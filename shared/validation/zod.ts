/**
 * The zod every function bundles: `zod/mini` (the same zod 4 package, functional API, so a bundle carries only
 * the checks it uses instead of every method of every schema class), with zod's English messages so a 400
 * names what is wrong in words. Full `zod` is for the OpenAPI builder, the response schemas and tests.
 * https://zod.dev/packages/mini
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Re-exported name by name (importers use `import * as z`), never as one namespace object: an object that
// escapes would keep every export of zod/mini in the bundle.
export * from 'zod/mini';
