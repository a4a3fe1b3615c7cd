import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ItemAlreadyExistsError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors/app-error';
import { describeError } from '../../shared/errors/error-mapper';

describe('describeError', () => {
  it.each([
    [new ValidationError('bad', [{ field: 'body.x', message: 'Required' }]), 400, 'VALIDATION_FAILED'],
    [new MalformedJsonError('bad json'), 400, 'MALFORMED_JSON'],
    [new ItemAlreadyExistsError(), 400, 'ITEM_ALREADY_EXISTS'],
    [new NotFoundError('transaction'), 404, 'NOT_FOUND'],
    [new ConflictError('CATEGORY_IN_USE', 'in use'), 409, 'CATEGORY_IN_USE'],
    [new PayloadTooLargeError('big'), 413, 'PAYLOAD_TOO_LARGE'],
    [new UnsupportedMediaTypeError('xml'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('maps %o to %i %s', (error, status, code) => {
    const described = describeError(error);
    expect(described.httpStatus).toBe(status);
    expect(described.code).toBe(code);
    expect(described.retryable).toBe(false);
  });

  it('hides unknown errors behind an opaque retryable 500', () => {
    const described = describeError(new TypeError('secret access-sandbox-123 in a stack'));
    expect(described).toMatchObject({ httpStatus: 500, code: 'INTERNAL_ERROR', message: 'Internal error', retryable: true });
    expect(JSON.stringify(described)).not.toContain('access-sandbox');
  });

  it('never marks a rate-limited connection broken', () => {
    const described = describeError(new ProviderError('plaid', 'rate_limited', { providerCode: 'RATE_LIMIT', message: 'slow down' }));
    expect(described.retryable).toBe(true);
    expect(described.connectionStatus).toBeUndefined();
  });

  it.each([
    ['login_required', 'login_required'],
    ['mfa_required', 'mfa_required'],
    ['user_action_required', 'user_action_required'],
    ['revoked', 'revoked'],
    ['consent_expired', 'consent_expired'],
    ['permanent', 'error'],
  ] as const)('provider failure %s sets the connection to %s and is not retried', (kind, status) => {
    const described = describeError(new ProviderError('pluggy', kind, { providerCode: 'X', message: 'm' }));
    expect(described.connectionStatus).toBe(status);
    expect(described.retryable).toBe(false);
  });

  it("surfaces the provider's own code for invalid input (e.g. a bad public token)", () => {
    const described = describeError(
      new ProviderError('plaid', 'invalid_input', { providerCode: 'INVALID_PUBLIC_TOKEN', message: 'provided public token is invalid' }),
    );
    expect(described).toMatchObject({ httpStatus: 400, code: 'INVALID_PUBLIC_TOKEN' });
  });
});
