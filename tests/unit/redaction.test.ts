/**
 * Redaction of tokens and account numbers before anything is logged, and the shared logger applying it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../shared/observability/logger';
import { REDACTED, redact, redactString } from '../../shared/observability/redaction';
import { captureOutput } from './captured-output';

const plaidAccessToken = 'access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6';
const jwt =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImxvY2FsIn0.eyJzdWIiOiJ1c2VyLTEiLCJpYXQiOjE3OTUyNTQ5MDF9.MEUCIQDx1b2c3d4e5f6g7h8i9j0';

afterEach(() => vi.restoreAllMocks());

describe('redactString', () => {
  it.each([
    ['a Plaid access token', `exchanged for ${plaidAccessToken} ok`, plaidAccessToken],
    ['a Plaid public token', 'public-sandbox-0a1b2c3d-4e5f-6789-abcd-ef0123456789', 'public-sandbox-0a1b2c3d'],
    ['a Plaid link token', 'link-production-77aa-bb88', 'link-production-77aa'],
    ['a JWT', `token=${jwt}`, jwt],
    ['a bearer header value', 'Authorization: Bearer abc.DEF-123_x', 'abc.DEF-123_x'],
    ['an account number (8+ digits)', 'account 000123456789 closed', '000123456789'],
    ['a routing number after a colon', 'routing:021000021', '021000021'],
    ['a card number in groups of four', 'card 4111 1111 1111 1111', '4111 1111 1111 1111'],
  ])('masks %s', (_label, input, secret) => {
    const output = redactString(input);

    expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it.each([
    ['an IBAN in print form', 'pay to GB82 WEST 1234 5698 7654 32 today', 'GB82 WEST 1234 5698 7654 32'],
    ['an IBAN in electronic form', 'iban=DE89370400440532013000', 'DE89370400440532013000'],
    ['a Brazilian IBAN', 'destino BR1800360305000010009795493C1', 'BR1800360305000010009795493C1'],
    ['a formatted CPF', 'titular 123.456.789-09', '123.456.789-09'],
    ['a bare CPF', 'cpf 12345678909', '12345678909'],
    ['a formatted CNPJ', 'empresa 12.345.678/0001-95', '12.345.678/0001-95'],
    ['a bare CNPJ', 'cnpj 12345678000195', '12345678000195'],
    ['a Brazilian agency/account number', 'conta 0001/1234567-8', '0001/1234567-8'],
    // Its only digits are the two check digits: the quick pre-check must still let the IBAN pattern run.
    ['an IBAN with a letters-only account part', 'iban=GB82WESTABCDEFGH', 'GB82WESTABCDEFGH'],
    ['a Plaid token without digits', 'token link-local-abc', 'link-local-abc'],
  ])('masks %s', (_label, input, secret) => {
    const output = redactString(input);

    expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it.each([
    ['an ISO date', 'posted on 2026-11-21'],
    ['a timestamp', 'at 2026-11-21T09:50:00.000Z'],
    ['a negative amount', 'amount "-12.34" BRL'],
    ['a large amount', 'balance 1234567.89 USD'],
    ['a mask', 'account ending 0000'],
    ['a 7-digit run', 'routing prefix 1234567'],
    ['a uuid', 'connection 3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b'],
    ['a uuid whose first segment is all digits', 'user 12345678-9abc-4def-8123-456789abcdef'],
  ])('keeps %s', (_label, input) => {
    expect(redactString(input)).toBe(input);
  });
});

describe('redact', () => {
  it('replaces values under secret-looking keys at any depth and keeps the rest', () => {
    const input = {
      connection: {
        connection_id: 'conn-1',
        access_token: 'not-token-shaped-but-secret',
        accounts: [{ account_id: 'acc-1', account_number: '12', mask: '0000', balance: '-12.34' }],
      },
      headers: { Authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' },
      client_secret: 'shh',
      date: '2026-11-21',
    };

    expect(redact(input)).toEqual({
      connection: {
        connection_id: 'conn-1',
        access_token: REDACTED,
        accounts: [{ account_id: 'acc-1', account_number: REDACTED, mask: '0000', balance: '-12.34' }],
      },
      headers: { Authorization: REDACTED, 'content-type': 'application/json' },
      client_secret: REDACTED,
      date: '2026-11-21',
    });
  });

  it('replaces account and routing numbers of any length, documents and known secret fields by key', () => {
    const input = {
      pluggy_account: { number: '1234567', mask: '4567' },
      numbers: { ach: [{ account: '1111222', routing: '011401533', wire_routing: '021000021' }] },
      bankData: { transferNumber: '0001/12345-6' },
      owner: { cpf: '12345678909', cnpj: '12345678000195', document_number: '123' },
      client_secret: 's1',
      clientSecret: 's2',
      webhook_secret: 's3',
      webhook_signing_secret: 's4',
      apiKey: 's5',
      'X-API-KEY': 's6',
      key: 'user-hash-key',
      password: 'p',
      count: 3,
    };

    const output = redact(input) as Record<string, Record<string, unknown>>;
    const text = JSON.stringify(output);
    for (const secret of ['1234567', '1111222', '011401533', '021000021', '0001/12345-6', '12345678909', '12345678000195', 's1', 's2', 's3', 's4', 's5', 's6', 'user-hash-key']) {
      expect(text, secret).not.toContain(`"${secret}"`);
    }
    expect(output.pluggy_account).toEqual({ number: REDACTED, mask: '4567' });
    expect((output as unknown as { count: number }).count).toBe(3);
  });

  it('masks token-shaped strings under innocent keys', () => {
    const output = redact({ note: `retry with ${plaidAccessToken}`, list: [jwt] });

    expect(JSON.stringify(output)).not.toContain(plaidAccessToken);
    expect(JSON.stringify(output)).not.toContain(jwt);
  });

  it('does not mutate its input', () => {
    const input = { access_token: plaidAccessToken };
    redact(input);

    expect(input.access_token).toBe(plaidAccessToken);
  });

  it('survives cycles', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;

    expect(redact(node)).toEqual({ name: 'root', self: '[Circular]' });
  });

  it('reduces errors to name and redacted message', () => {
    const output = redact(new Error(`Plaid refused ${plaidAccessToken}`)) as { name: string; message: string };

    expect(output.name).toBe('Error');
    expect(output.message).not.toContain(plaidAccessToken);
    expect(output).not.toHaveProperty('stack');
  });
});

describe('logger', () => {
  it('writes no token, JWT or account number, whether in the message, an attribute or an error', () => {
    const { lines, restore } = captureOutput();

    logger.info(`exchanged public token for ${plaidAccessToken}`, {
      item: { access_token: plaidAccessToken, account_number: '000123456789', institution: 'ins_109508' },
      authorization: `Bearer ${jwt}`,
      transaction_date: '2026-11-21',
      amount: '-12.34',
    });
    logger.error('provider call failed', new Error(`request with ${plaidAccessToken} was refused`));
    restore();

    const output = lines.join('');
    expect(output).toContain('exchanged public token for');
    expect(output).toContain('provider call failed');
    expect(output).toContain(REDACTED);
    expect(output).not.toContain(plaidAccessToken);
    expect(output).not.toContain('de3ce8ef');
    expect(output).not.toContain(jwt);
    expect(output).not.toContain('000123456789');
    // Ordinary business values stay readable.
    expect(output).toContain('2026-11-21');
    expect(output).toContain('-12.34');
    expect(output).toContain('ins_109508');
  });

  it('writes one JSON object per line', () => {
    const { lines, restore } = captureOutput();

    logger.warn('rate limited', { provider: 'plaid', retry_after_seconds: 30 });
    restore();

    const entry = JSON.parse(lines.join('').trim()) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'WARN', message: 'rate limited', provider: 'plaid', retry_after_seconds: 30 });
  });
});
