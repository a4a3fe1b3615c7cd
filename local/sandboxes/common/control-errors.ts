/**
 * Errors of the sandboxes' own control endpoints (`/sandbox/local/...`), shared by the Plaid and Pluggy
 * sandboxes so both answer a bad control call the same way.
 */
import type { z } from 'zod';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Validates a control request body (an absent body counts as `{}`); 400 naming each invalid field. */
export function parseControlBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new ControlError(400, 'INVALID_REQUEST', 'request body failed validation', {
      details: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data;
}

/** The reply a control endpoint gives for a ControlError. */
export function controlErrorReply(error: ControlError): { status: number; body: unknown } {
  return { status: error.status, body: { error: { code: error.code, message: error.message, ...error.extra } } };
}
