/**
 * The Sandbox institutions the emulator knows (docs https://plaid.com/docs/sandbox/institutions/).
 * Ids and names match Plaid's Sandbox so code and docs written against the real
 * Sandbox work unchanged.
 */
import { CountryCode, Products } from 'plaid';

export interface SandboxInstitution {
  readonly institutionId: string;
  readonly name: string;
  readonly countryCodes: readonly CountryCode[];
  readonly currency: 'USD' | 'CAD';
  /** Products an Item at this institution can have (`available_products` + `billed_products`). */
  readonly products: readonly Products[];
  readonly oauth: boolean;
  /** Set for the "Unhealthy Platypus" institutions: linking fails with this error code. */
  readonly linkErrorCode?: string;
  /** Canadian institutions return EFT numbers from /auth/get instead of ACH. */
  readonly numbersKind: 'ach' | 'eft';
}

const US_PRODUCTS: readonly Products[] = [
  Products.Assets,
  Products.Auth,
  Products.Balance,
  Products.Identity,
  Products.Investments,
  Products.Liabilities,
  Products.Transactions,
  Products.RecurringTransactions,
  Products.Signal,
  Products.Statements,
];

const CA_PRODUCTS: readonly Products[] = [Products.Auth, Products.Balance, Products.Identity, Products.Transactions];

function institution(
  institutionId: string,
  name: string,
  overrides: Partial<Omit<SandboxInstitution, 'institutionId' | 'name'>> = {},
): SandboxInstitution {
  return {
    institutionId,
    name,
    countryCodes: [CountryCode.Us],
    currency: 'USD',
    products: US_PRODUCTS,
    oauth: false,
    numbersKind: 'ach',
    ...overrides,
  };
}

export const SANDBOX_INSTITUTIONS: readonly SandboxInstitution[] = [
  institution('ins_109508', 'First Platypus Bank'),
  institution('ins_130016', 'First Platypus Balance Bank'),
  institution('ins_109509', 'First Gingham Credit Union'),
  institution('ins_109510', 'Tattersall Federal Credit Union'),
  institution('ins_109511', 'Tartan Bank'),
  institution('ins_109512', 'Houndstooth Bank'),
  institution('ins_127287', 'Platypus OAuth Bank', { oauth: true }),
  institution('ins_43', 'Tartan-Dominion Bank of Canada', {
    countryCodes: [CountryCode.Ca],
    currency: 'CAD',
    products: CA_PRODUCTS,
    numbersKind: 'eft',
  }),
  // Local addition (not a Plaid Sandbox institution): a bank Plaid offers Transactions but not Auth for,
  // as many US credit unions are (https://plaid.com/docs/api/institutions/ `products`).
  institution('ins_local_no_auth', 'Platypus Transactions-Only Credit Union', {
    products: US_PRODUCTS.filter((product) => product !== Products.Auth),
  }),
  institution('ins_132363', 'Unhealthy Platypus Bank - Degraded'),
  institution('ins_132361', 'Unhealthy Platypus Bank - Down', { linkErrorCode: 'INSTITUTION_DOWN' }),
];

const BY_ID = new Map(SANDBOX_INSTITUTIONS.map((entry) => [entry.institutionId, entry]));

export function findInstitution(institutionId: string): SandboxInstitution | undefined {
  return BY_ID.get(institutionId);
}

/** The institution the local Link completion uses when none is named (Plaid's own default choice). */
export const DEFAULT_INSTITUTION_ID = 'ins_109508';
