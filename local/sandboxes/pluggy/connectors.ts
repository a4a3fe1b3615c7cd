/**
 * The sandbox's connectors: Pluggy Bank (id 0, as in Pluggy's own sandbox, SDK helper SANDBOX_CONNECTOR_ID),
 * a Pluggy Bank flavour that asks a one-time token after login (Pluggy's "MFA 2-step" sandbox flow) and an
 * Open Finance Pluggy Bank whose Items wait for the user to authorise access at the bank (https://docs.pluggy.ai/en/docs/sandbox).
 *
 * All three are sandbox connectors, so — as at Pluggy — `GET /connectors` lists them only with `sandbox=true`.
 */

export type ProductType = 'ACCOUNTS' | 'CREDIT_CARDS' | 'TRANSACTIONS' | 'PAYMENT_DATA' | 'INVESTMENTS' | 'INVESTMENTS_TRANSACTIONS' | 'IDENTITY' | 'BROKERAGE_NOTE' | 'MOVE_SECURITY' | 'LOANS';

export const PRODUCT_TYPES: readonly ProductType[] = [
  'ACCOUNTS',
  'CREDIT_CARDS',
  'TRANSACTIONS',
  'PAYMENT_DATA',
  'INVESTMENTS',
  'INVESTMENTS_TRANSACTIONS',
  'IDENTITY',
  'BROKERAGE_NOTE',
  'MOVE_SECURITY',
  'LOANS',
];

export interface ConnectorCredential {
  readonly name: string;
  readonly label: string;
  readonly type: 'text' | 'password' | 'number' | 'image' | 'select';
  readonly placeholder?: string;
  readonly validation?: string;
  readonly validationMessage?: string;
  readonly assistiveText?: string;
  readonly mfa?: boolean;
  readonly optional?: boolean;
}

export type ConnectorFlow = 'basic' | 'mfa' | 'open_finance';
export type ConnectorHealthStatus = 'ONLINE' | 'UNSTABLE' | 'OFFLINE';

export interface SandboxConnector {
  readonly id: number;
  readonly name: string;
  readonly flow: ConnectorFlow;
  readonly type: 'PERSONAL_BANK' | 'BUSINESS_BANK';
  readonly credentials: readonly ConnectorCredential[];
  readonly products: readonly ProductType[];
  readonly primaryColor: string;
  readonly isOpenFinance: boolean;
  readonly oauth: boolean;
  healthStatus: ConnectorHealthStatus;
}

const USER_CREDENTIAL: ConnectorCredential = {
  name: 'user',
  label: 'User',
  type: 'text',
  placeholder: 'user-ok',
  validation: '^.{3,}$',
  validationMessage: 'The user must have at least 3 characters',
};
const PASSWORD_CREDENTIAL: ConnectorCredential = {
  name: 'password',
  label: 'Password',
  type: 'password',
  placeholder: 'password-ok',
  validation: '^.{6,}$',
  validationMessage: 'The password must have at least 6 characters',
};
const CPF_CREDENTIAL: ConnectorCredential = {
  name: 'cpf',
  label: 'CPF',
  type: 'text',
  placeholder: '000.000.000-00',
  validation: '^(\\d{3}\\.?\\d{3}\\.?\\d{3}-?\\d{2})$',
  validationMessage: 'Enter a valid CPF',
};

/** The one-time token the MFA connector asks for after login (what `item.parameter` describes). */
export const MFA_TOKEN_PARAMETER = {
  name: 'token',
  label: 'Token',
  type: 'number',
  mfa: true,
  placeholder: '123456',
  validation: '^\\d{6}$',
  validationMessage: 'The token must have 6 digits',
  assistiveText: 'Enter the 6-digit code sent to your phone (sandbox: 123456)',
} as const satisfies ConnectorCredential;

const BANK_PRODUCTS: readonly ProductType[] = ['ACCOUNTS', 'CREDIT_CARDS', 'TRANSACTIONS', 'PAYMENT_DATA', 'IDENTITY'];

/** Fixed `createdAt` for the catalogue so listings are stable across restarts. */
const CATALOGUE_CREATED_AT = '2020-09-07T12:00:00.000Z';

export function createConnectors(): SandboxConnector[] {
  return [
    {
      id: 0,
      name: 'Pluggy Bank',
      flow: 'basic',
      type: 'PERSONAL_BANK',
      credentials: [USER_CREDENTIAL, PASSWORD_CREDENTIAL],
      products: BANK_PRODUCTS,
      primaryColor: 'ef294b',
      isOpenFinance: false,
      oauth: false,
      healthStatus: 'ONLINE',
    },
    {
      id: 1,
      name: 'Pluggy Bank MFA',
      flow: 'mfa',
      type: 'PERSONAL_BANK',
      credentials: [USER_CREDENTIAL, PASSWORD_CREDENTIAL],
      products: BANK_PRODUCTS,
      primaryColor: 'ef294b',
      isOpenFinance: false,
      oauth: false,
      healthStatus: 'ONLINE',
    },
    {
      id: 2,
      name: 'Pluggy Bank Open Finance',
      flow: 'open_finance',
      type: 'PERSONAL_BANK',
      credentials: [CPF_CREDENTIAL],
      products: ['ACCOUNTS', 'CREDIT_CARDS', 'TRANSACTIONS', 'IDENTITY'],
      primaryColor: '0a5fff',
      isOpenFinance: true,
      oauth: true,
      healthStatus: 'ONLINE',
    },
  ];
}

/** The connector as `GET /connectors` returns it (SDK type `Connector`). */
export function connectorView(connector: SandboxConnector): Record<string, unknown> {
  return {
    id: connector.id,
    name: connector.name,
    institutionUrl: 'https://pluggy.ai',
    imageUrl: 'https://cdn.pluggy.ai/assets/connector-icons/sandbox.svg',
    primaryColor: connector.primaryColor,
    type: connector.type,
    country: 'BR',
    credentials: connector.credentials.map((credential) => ({ ...credential })),
    hasMFA: connector.flow === 'mfa',
    oauth: connector.oauth,
    health: { status: connector.healthStatus, stage: null },
    products: [...connector.products],
    isSandbox: true,
    isOpenFinance: connector.isOpenFinance,
    supportsPaymentInitiation: false,
    supportsScheduledPayments: false,
    supportsSmartTransfers: false,
    supportsBoletoManagement: false,
    createdAt: CATALOGUE_CREATED_AT,
    updatedAt: CATALOGUE_CREATED_AT,
  };
}

export interface ConnectorFilters {
  readonly name?: string;
  readonly countries?: readonly string[];
  readonly types?: readonly string[];
  readonly sandbox?: boolean;
  readonly isOpenFinance?: boolean;
  readonly supportsPaymentInitiation?: boolean;
  readonly ids?: readonly number[];
}

/** Filters as Pluggy applies them (SDK ConnectorFilters): name is a case-insensitive substring match. */
export function filterConnectors(connectors: readonly SandboxConnector[], filters: ConnectorFilters): SandboxConnector[] {
  return connectors.filter((connector) => {
    // Sandbox connectors are hidden unless asked for (SDK: `sandbox` "recovers sandbox connectors", default false).
    if (filters.sandbox !== true) return false;
    if (filters.name !== undefined && !connector.name.toLowerCase().includes(filters.name.toLowerCase())) return false;
    if (filters.countries !== undefined && filters.countries.length > 0 && !filters.countries.includes('BR')) return false;
    if (filters.types !== undefined && filters.types.length > 0 && !filters.types.includes(connector.type)) return false;
    if (filters.isOpenFinance !== undefined && connector.isOpenFinance !== filters.isOpenFinance) return false;
    if (filters.supportsPaymentInitiation === true) return false;
    if (filters.ids !== undefined && filters.ids.length > 0 && !filters.ids.includes(connector.id)) return false;
    return true;
  });
}
