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
import { plaidErrorFrom } from '../../shared/providers/plaid/plaid-errors';

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

/** What the `plaid` SDK rejects with: an AxiosError-like object whose `config` holds the secret. */
function plaidFailure(status: number, body: Record<string, unknown>) {
  return {
    isAxiosError: true,
    config: { headers: { 'PLAID-SECRET': 'plaid-secret-value' }, data: '{"access_token":"access-sandbox-abc"}' },
    response: { status, data: { request_id: 'req1', ...body }, headers: {} },
  };
}

describe('Plaid errors as the API shows them', () => {
  it("answers an invalid public token with Plaid's code, its developer message and display_message in details", () => {
    const error = plaidErrorFrom(
      plaidFailure(400, {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_PUBLIC_TOKEN',
        error_message: 'could not find matching public token',
        display_message: null,
      }),
    );
    const described = describeError(error);
    expect(described).toMatchObject({
      httpStatus: 400,
      code: 'INVALID_PUBLIC_TOKEN',
      message: 'could not find matching public token',
      details: { provider: 'plaid', provider_code: 'INVALID_PUBLIC_TOKEN', display_message: null },
    });
    expect(JSON.stringify(described)).not.toContain('plaid-secret-value');
    expect(JSON.stringify(described)).not.toContain('access-sandbox-abc');
  });

  it("keeps Plaid's request_id on the error and in its description, for logs and sync runs", () => {
    const error = plaidErrorFrom(
      plaidFailure(400, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', display_message: null, request_id: 'm8MDnv9okwxFNBV' }),
    );
    expect(error.requestId).toBe('m8MDnv9okwxFNBV');
    expect(describeError(error).providerRequestId).toBe('m8MDnv9okwxFNBV');
    const withoutId = plaidErrorFrom(plaidFailure(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', request_id: undefined }));
    expect(describeError(withoutId)).not.toHaveProperty('providerRequestId');
  });

  it('never echoes a token a developer message might quote', () => {
    const error = plaidErrorFrom(
      plaidFailure(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN', error_message: 'public-sandbox-1234-abcd is expired' }),
    );
    expect(error.message).toBe('[token] is expired');
  });

  it('keeps the neutral or end-user text for connection problems and passes display_message on', () => {
    const login = describeError(
      plaidErrorFrom(
        plaidFailure(400, {
          error_type: 'ITEM_ERROR',
          error_code: 'ITEM_LOGIN_REQUIRED',
          error_message: 'the login details of this item have changed',
          display_message: null,
        }),
      ),
    );
    expect(login).toMatchObject({ httpStatus: 409, connectionStatus: 'login_required', message: 'The bank login needs to be renewed' });
    const down = describeError(
      plaidErrorFrom(plaidFailure(400, { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN', error_message: 'x', display_message: 'The bank is down' })),
    );
    expect(down).toMatchObject({ retryable: true, message: 'The bank is down', details: { display_message: 'The bank is down' } });
  });

  it('classifies a 429 as a rate limit that never marks the connection', () => {
    const described = describeError(plaidErrorFrom(plaidFailure(429, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_SYNC_LIMIT' })));
    expect(described).toMatchObject({ retryable: true, code: 'TRANSACTIONS_SYNC_LIMIT' });
    expect(described.connectionStatus).toBeUndefined();
  });
});
