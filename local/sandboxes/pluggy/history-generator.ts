/**
 * Deterministic accounts and a year of transaction history for a sandbox Item.
 *
 * Everything derives from a seed made of the sandbox seed and the Item id, so the same Item always has the
 * same accounts, numbers and transactions. The content imitates what Pluggy Bank returns (https://docs.pluggy.ai/en/docs/sandbox
 * "Sandbox response structure": a checking account, a credit card, BRL, owner "John Doe"): monthly salary, bills
 * paid by boleto, Pix in and out, debit and credit card purchases with merchants and installments, the card bill
 * paid from checking, savings interest.
 *
 * Dates are written in UTC, as Pluggy returns them, and mean São Paulo time; Pluggy tells clients to convert to
 * GMT-3 when they need the Brazilian calendar day (https://docs.pluggy.ai/docs/transactions). Most rows are midnight in São Paulo
 * (`…T03:00:00.000Z`); Pix transfers carry their time of day, so one made after 21:00 in São Paulo is stamped
 * with the next UTC day (`…T01:30:00.000Z`) while it belongs to the day before on the user's statement.
 *
 * A bank account's `balance` counts posted transactions only; `bankData.closingBalance` ("Balance including not
 * posted transactions" in the OAS, "available balance of the account" in the SDK's Account type) counts the
 * pending ones too.
 */
import { hashSeed, SeededRandom } from '../common/seeded-random';
import type { ProductType } from './connectors';
import {
  compareTransactions,
  type CreditCardMetadata,
  type Merchant,
  type PaymentData,
  type PaymentParticipant,
  type SandboxAccount,
  type SandboxTransaction,
  type TransactionStatus,
  type TransactionType,
} from './resources';

export const HISTORY_DAYS = 365;
const DAY_MS = 86_400_000;
/** São Paulo is UTC−3 all year (no daylight saving since 2019). */
const BRAZIL_OFFSET_MS = 3 * 60 * 60 * 1000;
const CARD_CLOSE_DAY = 12;
const CARD_DUE_DAY = 20;
const OWNER = 'John Doe';

/** The Brazilian calendar day (days since the epoch) at `epochMs`. */
export function brazilEpochDay(epochMs: number): number {
  return Math.floor((epochMs - BRAZIL_OFFSET_MS) / DAY_MS);
}

/** `YYYY-MM-DDT03:00:00.000Z` for a Brazilian calendar day. */
export function dayTimestamp(epochDay: number): string {
  return new Date(epochDay * DAY_MS + BRAZIL_OFFSET_MS).toISOString();
}

/** The São Paulo calendar day (`YYYY-MM-DD`) of a UTC timestamp. */
export function saoPauloDay(timestamp: string): string {
  return new Date(brazilEpochDay(Date.parse(timestamp)) * DAY_MS).toISOString().slice(0, 10);
}

/** A Pix's time of day in São Paulo: 06:00 to 23:59, so a fair share fall on the next UTC day. */
function pixTimestamp(epochDay: number, random: SeededRandom): string {
  const minutes = random.integer(6 * 60, 24 * 60 - 1);
  return new Date(epochDay * DAY_MS + BRAZIL_OFFSET_MS + minutes * 60_000).toISOString();
}

function dayOfMonth(epochDay: number): number {
  return new Date(epochDay * DAY_MS).getUTCDate();
}

/** A v4-shaped UUID from the seeded stream (Pluggy ids are UUIDs; spec path parameters are `format: uuid`). */
export function seededUuid(random: SeededRandom): string {
  const hex = '0123456789abcdef';
  let out = '';
  for (let index = 0; index < 32; index += 1) {
    let digit = random.integer(0, 15);
    if (index === 12) digit = 4;
    if (index === 16) digit = 8 + (digit % 4);
    out += hex[digit];
    if (index === 7 || index === 11 || index === 15 || index === 19) out += '-';
  }
  return out;
}

function cpfCheckDigit(digits: readonly number[]): number {
  const weightStart = digits.length + 1;
  const sum = digits.reduce((total, digit, index) => total + digit * (weightStart - index), 0);
  const rest = (sum * 10) % 11;
  return rest === 10 ? 0 : rest;
}

/** A CPF with valid check digits, formatted `000.000.000-00`. */
export function seededCpf(random: SeededRandom): string {
  const digits = Array.from({ length: 9 }, () => random.integer(0, 9));
  digits.push(cpfCheckDigit(digits));
  digits.push(cpfCheckDigit(digits));
  const text = digits.join('');
  return `${text.slice(0, 3)}.${text.slice(3, 6)}.${text.slice(6, 9)}-${text.slice(9)}`;
}

function cnpjCheckDigit(digits: readonly number[]): number {
  const weights = digits.length === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
  const rest = digits.reduce((total, digit, index) => total + digit * (weights[index] ?? 0), 0) % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** A CNPJ with valid check digits, formatted `00.000.000/0001-00`. */
export function seededCnpj(random: SeededRandom): string {
  const digits = [...Array.from({ length: 8 }, () => random.integer(0, 9)), 0, 0, 0, 1];
  digits.push(cnpjCheckDigit(digits));
  digits.push(cnpjCheckDigit(digits));
  const text = digits.join('');
  return `${text.slice(0, 2)}.${text.slice(2, 5)}.${text.slice(5, 8)}/${text.slice(8, 12)}-${text.slice(12)}`;
}

interface MerchantProfile {
  readonly name: string;
  readonly businessName: string;
  readonly cnae: string;
  readonly categoryId: string;
  readonly category: string;
  readonly mcc: string;
  readonly min: number;
  readonly max: number;
}

const MERCHANT_PROFILES: readonly MerchantProfile[] = [
  { name: 'Mercado Bom Preço', businessName: 'Bom Preço Supermercados Ltda', cnae: '4711302', categoryId: '10000000', category: 'Groceries', mcc: '5411', min: 35, max: 480 },
  { name: 'Padaria Pão Dourado', businessName: 'Pão Dourado Panificadora Ltda', cnae: '1091102', categoryId: '11000000', category: 'Food and drinks', mcc: '5462', min: 8, max: 45 },
  { name: 'Cantina Bella Roma', businessName: 'Bella Roma Restaurante Ltda', cnae: '5611201', categoryId: '11010000', category: 'Eating out', mcc: '5812', min: 45, max: 240 },
  { name: 'RápidoFood', businessName: 'Rápido Food Entregas S.A.', cnae: '5620104', categoryId: '11020000', category: 'Food delivery', mcc: '5814', min: 25, max: 130 },
  { name: 'Drogaria Vida', businessName: 'Drogaria Vida Comércio de Medicamentos Ltda', cnae: '4771701', categoryId: '18020000', category: 'Pharmacy', mcc: '5912', min: 12, max: 190 },
  { name: 'Posto Estrela', businessName: 'Auto Posto Estrela Ltda', cnae: '4731800', categoryId: '19050000', category: 'Gas stations', mcc: '5541', min: 80, max: 320 },
  { name: 'Viagem Fácil', businessName: 'Viagem Fácil Mobilidade Ltda', cnae: '4923001', categoryId: '19010000', category: 'Taxi and ride-hailing', mcc: '4121', min: 12, max: 65 },
  { name: 'Conecta Eletrônicos', businessName: 'Conecta Comércio de Eletrônicos Ltda', cnae: '4753900', categoryId: '08030000', category: 'Electronics', mcc: '5732', min: 150, max: 2600 },
  { name: 'Moda Brasil', businessName: 'Moda Brasil Vestuário Ltda', cnae: '4781400', categoryId: '08050000', category: 'Clothing', mcc: '5651', min: 60, max: 420 },
  { name: 'Compra Já', businessName: 'Compra Já Comércio Eletrônico S.A.', cnae: '4713004', categoryId: '08010000', category: 'Online shopping', mcc: '5964', min: 30, max: 650 },
];

const STREAMING: MerchantProfile = {
  name: 'Cine Stream',
  businessName: 'Cine Stream Entretenimento Ltda',
  cnae: '5911199',
  categoryId: '09030000',
  category: 'Video streaming',
  mcc: '4899',
  min: 39.9,
  max: 39.9,
};

const PEOPLE = ['Maria Souza', 'João Pereira', 'Ana Oliveira', 'Carlos Santos', 'Fernanda Lima', 'Rafael Costa', 'Juliana Alves', 'Pedro Rocha'];

function merchantOf(profile: MerchantProfile): Merchant {
  return {
    name: profile.name,
    businessName: profile.businessName,
    cnpj: seededCnpj(new SeededRandom(hashSeed('merchant', profile.name))),
    cnae: profile.cnae,
    category: profile.category,
  };
}

function personOf(name: string): PaymentParticipant {
  const random = new SeededRandom(hashSeed('person', name));
  return {
    name,
    documentNumber: { type: 'CPF', value: seededCpf(random) },
    accountNumber: `${random.digits(5)}-${random.digits(1)}`,
    branchNumber: random.digits(4),
    routingNumber: random.pick(['001', '104', '237', '341', '260']),
    routingNumberISPB: random.digits(8),
  };
}

const EMPLOYER: PaymentParticipant = {
  name: 'Pluggy Tecnologia Ltda',
  documentNumber: { type: 'CNPJ', value: seededCnpj(new SeededRandom(hashSeed('employer'))) },
  accountNumber: '10234-5',
  branchNumber: '0001',
  routingNumber: '341',
  routingNumberISPB: '60701190',
};

export interface GenerationInput {
  readonly seed: string;
  readonly itemId: string;
  readonly nowMs: number;
  /** When Pluggy stored the transactions (`createdAt`/`updatedAt` of the whole initial history). */
  readonly createdAt: string;
  /** `user-ok-perf-<x>`: how many times the usual random activity. */
  readonly multiplier: number;
  readonly products: readonly ProductType[];
  /** False for `user-ok-account-error`: the accounts product failed, only the credit card was collected. */
  readonly includeBankAccounts: boolean;
  /** Open Finance connectors also return the institution's own transaction id (`providerId`). */
  readonly openFinance: boolean;
}

interface Draft {
  readonly epochDay: number;
  readonly description: string;
  readonly descriptionRaw: string | null;
  readonly type: TransactionType;
  readonly amount: number;
  readonly categoryId: string | null;
  readonly category: string | null;
  readonly operationType: string | null;
  readonly paymentData?: PaymentData;
  readonly creditCardMetadata?: CreditCardMetadata;
  readonly merchant?: Merchant;
  readonly status?: TransactionStatus;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function pixData(direction: 'out' | 'in', owner: PaymentParticipant, counterpart: PaymentParticipant): PaymentData {
  return {
    payer: direction === 'out' ? owner : counterpart,
    receiver: direction === 'out' ? counterpart : owner,
    paymentMethod: 'PIX',
    referenceNumber: null,
    reason: null,
    receiverReferenceId: null,
    boletoMetadata: null,
  };
}

function boletoData(random: SeededRandom, owner: PaymentParticipant, amount: number): PaymentData {
  const barcode = random.digits(44);
  return {
    payer: owner,
    receiver: null,
    paymentMethod: 'BOLETO',
    referenceNumber: random.digits(10),
    reason: null,
    receiverReferenceId: null,
    boletoMetadata: { digitableLine: random.digits(47), barcode, baseAmount: amount, interestAmount: 0, penaltyAmount: 0, discountAmount: 0 },
  };
}

function finalize(account: SandboxAccount, drafts: readonly Draft[], random: SeededRandom, input: Pick<GenerationInput, 'createdAt' | 'openFinance'>): SandboxTransaction[] {
  return drafts.map((draft) => {
    const sequence = account.nextSequence;
    account.nextSequence += 1;
    return {
      id: seededUuid(random),
      accountId: account.id,
      sequence,
      date: draft.paymentData?.paymentMethod === 'PIX' ? pixTimestamp(draft.epochDay, random) : dayTimestamp(draft.epochDay),
      description: draft.description,
      descriptionRaw: draft.descriptionRaw,
      type: draft.type,
      amount: round2(draft.amount),
      balance: 0,
      category: draft.category,
      categoryId: draft.categoryId,
      status: draft.status ?? 'POSTED',
      providerCode: random.digits(3),
      providerId: input.openFinance ? random.identifier(24) : null,
      operationType: draft.operationType,
      paymentData: draft.paymentData ?? null,
      creditCardMetadata: draft.creditCardMetadata ?? null,
      merchant: draft.merchant ?? null,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
    };
  });
}

/**
 * Running balances after each transaction, in order; the account balance is the last one. Checking and savings
 * start from an opening balance; a credit card's running figure is the amount owed.
 */
export function recomputeBalances(account: SandboxAccount, openingBalance: number): void {
  account.transactions.sort(compareTransactions);
  let running = openingBalance;
  let pending = 0;
  for (const transaction of account.transactions) {
    running = round2(running + transaction.amount);
    transaction.balance = running;
    if (transaction.status === 'PENDING') pending = round2(pending + transaction.amount);
  }
  if (account.type === 'CREDIT') {
    account.balance = Math.max(0, running);
  } else {
    account.balance = round2(running - pending);
  }
  if (account.bankData) account.bankData.closingBalance = running;
  if (account.creditData) {
    account.creditData.availableCreditLimit = round2(Math.max(0, account.creditData.creditLimit - account.balance));
    account.creditData.minimumPayment = round2(account.balance * 0.15);
  }
}

/** Opening balances are part of the seed, kept so balances can be recomputed after later changes. */
export function openingBalanceOf(account: SandboxAccount): number {
  const first = account.transactions[0];
  return first === undefined ? account.balance : round2(first.balance - first.amount);
}

function nextDayOfMonth(fromDay: number, target: number): number {
  let day = fromDay;
  while (dayOfMonth(day) !== target) day += 1;
  return day;
}

function previousDayOfMonth(fromDay: number, target: number): number {
  let day = fromDay;
  while (dayOfMonth(day) !== target) day -= 1;
  return day;
}

interface AccountShell {
  readonly account: SandboxAccount;
  readonly random: SeededRandom;
  readonly openingBalance: number;
}

function shell(input: GenerationInput, subtype: SandboxAccount['subtype']): AccountShell {
  const random = new SeededRandom(hashSeed(input.seed, input.itemId, subtype));
  const ownerRandom = new SeededRandom(hashSeed(input.seed, input.itemId, 'owner'));
  const taxNumber = seededCpf(ownerRandom);
  const id = seededUuid(random);
  const base = { id, itemId: input.itemId, owner: OWNER, taxNumber, transactions: [], nextSequence: 1, createdAt: input.createdAt, updatedAt: input.createdAt, balance: 0 };
  const today = brazilEpochDay(input.nowMs);
  switch (subtype) {
    case 'CHECKING_ACCOUNT': {
      const number = `0001/${random.digits(5)}-${random.digits(1)}`;
      return {
        account: {
          ...base,
          type: 'BANK',
          subtype,
          name: 'Conta Corrente',
          marketingName: 'GOLD Conta Corrente',
          number,
          bankData: { transferNumber: number, closingBalance: 0, automaticallyInvestedBalance: 0, overdraftContractedLimit: 1000, overdraftUsedLimit: 0, unarrangedOverdraftAmount: 0 },
          creditData: null,
        },
        random,
        openingBalance: random.amount(3000, 9000),
      };
    }
    case 'SAVINGS_ACCOUNT': {
      const number = `0001/${random.digits(5)}-${random.digits(1)}`;
      return {
        account: {
          ...base,
          type: 'BANK',
          subtype,
          name: 'Conta Poupança',
          marketingName: null,
          number,
          bankData: { transferNumber: number, closingBalance: 0, automaticallyInvestedBalance: 0, overdraftContractedLimit: 0, overdraftUsedLimit: 0, unarrangedOverdraftAmount: 0 },
          creditData: null,
        },
        random,
        openingBalance: random.amount(1000, 15000),
      };
    }
    case 'CREDIT_CARD':
      return {
        account: {
          ...base,
          type: 'CREDIT',
          subtype,
          name: 'Mastercard Black',
          marketingName: 'PLUGGY BANK MASTERCARD BLACK',
          number: random.digits(4),
          bankData: null,
          creditData: {
            level: 'BLACK',
            brand: 'MASTERCARD',
            balanceCloseDate: dayTimestamp(nextDayOfMonth(today + 1, CARD_CLOSE_DAY)),
            balanceDueDate: dayTimestamp(nextDayOfMonth(today + 1, CARD_DUE_DAY)),
            availableCreditLimit: 0,
            balanceForeignCurrency: 0,
            minimumPayment: 0,
            creditLimit: 15000,
            isLimitFlexible: false,
            status: 'ACTIVE',
            holderType: 'MAIN',
          },
        },
        random,
        openingBalance: random.amount(300, 1500),
      };
  }
}

function cardPurchase(random: SeededRandom, epochDay: number, cardNumber: string, profile: MerchantProfile, openBillFrom: number): Draft {
  const total = round2(random.amount(profile.min, profile.max));
  const installments = total > 300 && random.chance(0.3) ? random.integer(2, 6) : 1;
  const amount = round2(total / installments);
  const suffix = installments > 1 ? ` PARC 01/${String(installments).padStart(2, '0')}` : '';
  return {
    epochDay,
    description: `${profile.name}${installments > 1 ? ` - Parcela 1/${installments}` : ''}`,
    descriptionRaw: `${profile.name.toUpperCase()}${suffix}`,
    type: 'DEBIT',
    amount,
    categoryId: profile.categoryId,
    category: profile.category,
    operationType: 'CARTAO',
    merchant: merchantOf(profile),
    creditCardMetadata: {
      installmentNumber: 1,
      totalInstallments: installments,
      totalAmount: total,
      purchaseDate: dayTimestamp(epochDay),
      payeeMCC: profile.mcc,
      cardNumber,
      billId: null,
    },
    // Transactions in the open bill are PENDING until it closes (https://docs.pluggy.ai/docs/transactions).
    status: epochDay > openBillFrom ? 'PENDING' : 'POSTED',
  };
}

/** Card bill payments by day, shared by the card (money received) and checking (money sent). */
type BillPayments = Map<number, number>;

function generateCreditCard(card: AccountShell, input: GenerationInput, startDay: number, today: number): BillPayments {
  const { account, random } = card;
  const lastClose = previousDayOfMonth(today, CARD_CLOSE_DAY);
  const drafts: Draft[] = [];
  const payments: BillPayments = new Map();
  let owed = card.openingBalance;
  let closedBill = 0;
  for (let day = startDay; day <= today; day += 1) {
    const dayDrafts: Draft[] = [];
    const dom = dayOfMonth(day);
    if (dom === 3) {
      dayDrafts.push({ ...cardPurchase(random, day, account.number, STREAMING, lastClose), description: 'Cine Stream - Assinatura mensal', descriptionRaw: 'CINE STREAM ASSINATURA' });
    }
    if (dom === CARD_DUE_DAY && closedBill > 0) {
      payments.set(day, closedBill);
      dayDrafts.push({ epochDay: day, description: 'Pagamento recebido', descriptionRaw: 'PAGAMENTO RECEBIDO', type: 'CREDIT', amount: -closedBill, categoryId: '05100000', category: 'Credit card payment', operationType: null });
      closedBill = 0;
    }
    for (let draw = 0; draw < input.multiplier; draw += 1) {
      if (random.chance(0.1)) dayDrafts.push(cardPurchase(random, day, account.number, random.pick(MERCHANT_PROFILES), lastClose));
    }
    for (const draft of dayDrafts) owed += draft.amount;
    if (dom === CARD_CLOSE_DAY) closedBill = round2(Math.max(0, owed));
    drafts.push(...dayDrafts);
  }
  account.transactions = finalize(account, drafts, random, input);
  return payments;
}

function generateChecking(checking: AccountShell, input: GenerationInput, startDay: number, today: number, billPayments: BillPayments, hasSavings: boolean): void {
  const { account, random } = checking;
  const owner: PaymentParticipant = { name: OWNER, documentNumber: { type: 'CPF', value: account.taxNumber }, accountNumber: account.number.slice(5), branchNumber: '0001', routingNumber: '999', routingNumberISPB: null };
  // Perf users (`user-ok-perf-<x>`) spend x times as much; their income grows with it so balances stay plausible.
  const salary = round2(random.amount(4500, 9500) * input.multiplier);
  const drafts: Draft[] = [];
  for (let day = startDay; day <= today; day += 1) {
    const dom = dayOfMonth(day);
    const recent = day >= today - 1;
    if (dom === 1) {
      drafts.push({ epochDay: day, description: 'Tarifa pacote de serviços', descriptionRaw: 'TARIFA PACOTE SERVICOS', type: 'DEBIT', amount: -29.9, categoryId: '16000000', category: 'Bank fees', operationType: 'TARIFA_SERVICOS_AVULSOS' });
    }
    if (dom === 5) {
      drafts.push({
        epochDay: day,
        description: 'Salário - Pluggy Tecnologia',
        descriptionRaw: 'TED RECEBIDA PLUGGY TECNOLOGIA LTDA',
        type: 'CREDIT',
        amount: salary,
        categoryId: '01010000',
        category: 'Salary/pro-labore',
        operationType: 'TED',
        paymentData: { payer: EMPLOYER, receiver: owner, paymentMethod: 'TED', referenceNumber: random.digits(8), reason: 'Salário', receiverReferenceId: null, boletoMetadata: null },
      });
    }
    if (dom === 6 && hasSavings) {
      drafts.push({ epochDay: day, description: 'Transferência para poupança', descriptionRaw: 'TRANSF MESMA TITULARIDADE POUPANCA', type: 'DEBIT', amount: -500, categoryId: '04000000', category: 'Same person transfer', operationType: 'TRANSFERENCIA_MESMA_INSTITUICAO' });
    }
    if (dom === 10) {
      const amount = round2(random.amount(90, 320));
      drafts.push({ epochDay: day, description: 'Pagamento de boleto - Companhia de Energia', descriptionRaw: 'PAG BOLETO CIA ENERGIA', type: 'DEBIT', amount: -amount, categoryId: '17020000', category: 'Utilities', operationType: 'BOLETO', paymentData: boletoData(random, owner, amount) });
    }
    if (dom === 15) {
      const amount = round2(random.amount(99, 180));
      drafts.push({ epochDay: day, description: 'Pagamento de boleto - Conecta Telecom', descriptionRaw: 'PAG BOLETO CONECTA TELECOM', type: 'DEBIT', amount: -amount, categoryId: '07010000', category: 'Telecommunications', operationType: 'BOLETO', paymentData: boletoData(random, owner, amount) });
    }
    const billPayment = billPayments.get(day);
    if (billPayment !== undefined) {
      drafts.push({ epochDay: day, description: 'Pagamento de fatura - cartão de crédito', descriptionRaw: 'PAGTO FATURA CARTAO', type: 'DEBIT', amount: -billPayment, categoryId: '05100000', category: 'Credit card payment', operationType: null });
    }
    if (day === today) {
      // Today's card purchase has not settled yet: every fresh history has at least one PENDING row.
      const profile = MERCHANT_PROFILES[1] as MerchantProfile;
      const amount = round2(random.amount(profile.min, profile.max));
      drafts.push({ epochDay: day, description: profile.name, descriptionRaw: `COMPRA CARTAO DEB ${profile.name.toUpperCase()}`, type: 'DEBIT', amount: -amount, categoryId: profile.categoryId, category: profile.category, operationType: 'CARTAO', merchant: merchantOf(profile), status: 'PENDING' });
    }
    for (let draw = 0; draw < input.multiplier; draw += 1) {
      const roll = random.next();
      if (roll < 0.035) {
        const person = personOf(random.pick(PEOPLE));
        const amount = round2(random.amount(20, 600));
        drafts.push({ epochDay: day, description: `Pix enviado - ${person.name}`, descriptionRaw: `PIX ENVIADO ${person.name.toUpperCase()}`, type: 'DEBIT', amount: -amount, categoryId: '05070000', category: 'Transfer - PIX', operationType: 'PIX', paymentData: pixData('out', owner, person) });
      } else if (roll < 0.05) {
        const person = personOf(random.pick(PEOPLE));
        const amount = round2(random.amount(20, 400));
        drafts.push({ epochDay: day, description: `Pix recebido - ${person.name}`, descriptionRaw: `PIX RECEBIDO ${person.name.toUpperCase()}`, type: 'CREDIT', amount, categoryId: '05070000', category: 'Transfer - PIX', operationType: 'PIX', paymentData: pixData('in', owner, person) });
      } else if (roll < 0.054) {
        const person = personOf(random.pick(PEOPLE));
        const amount = round2(random.amount(300, 2500));
        drafts.push({ epochDay: day, description: `TED enviada - ${person.name}`, descriptionRaw: `TED ENVIADA ${person.name.toUpperCase()}`, type: 'DEBIT', amount: -amount, categoryId: '05080000', category: 'Transfer - TED', operationType: 'TED', paymentData: { ...pixData('out', owner, person), paymentMethod: 'TED' } });
      } else if (roll < 0.084) {
        const profile = random.pick(MERCHANT_PROFILES.filter((candidate) => candidate.max <= 500));
        const amount = round2(random.amount(profile.min, profile.max));
        drafts.push({
          epochDay: day,
          description: profile.name,
          descriptionRaw: `COMPRA CARTAO DEB ${profile.name.toUpperCase()}`,
          type: 'DEBIT',
          amount: -amount,
          categoryId: profile.categoryId,
          category: profile.category,
          operationType: 'CARTAO',
          merchant: merchantOf(profile),
          // Debit card purchases settle a day or two later.
          status: recent ? 'PENDING' : 'POSTED',
        });
      }
    }
  }
  account.transactions = finalize(account, drafts, random, input);
}

function generateSavings(savings: AccountShell, input: GenerationInput, startDay: number, today: number): void {
  const { account, random } = savings;
  const drafts: Draft[] = [];
  let balance = savings.openingBalance;
  for (let day = startDay; day <= today; day += 1) {
    const dom = dayOfMonth(day);
    if (dom === 1) {
      const interest = round2(balance * 0.005);
      balance += interest;
      drafts.push({ epochDay: day, description: 'Rendimento poupança', descriptionRaw: 'REMUNERACAO BASICA', type: 'CREDIT', amount: interest, categoryId: '03020000', category: 'Interests', operationType: null });
    }
    if (dom === 6) {
      balance += 500;
      drafts.push({ epochDay: day, description: 'Transferência da conta corrente', descriptionRaw: 'TRANSF MESMA TITULARIDADE CC', type: 'CREDIT', amount: 500, categoryId: '04000000', category: 'Same person transfer', operationType: 'TRANSFERENCIA_MESMA_INSTITUICAO' });
    }
    for (let draw = 0; draw < input.multiplier; draw += 1) {
      if (random.chance(0.004) && balance > 300) {
        const amount = round2(random.amount(100, Math.min(2000, balance)));
        balance -= amount;
        drafts.push({ epochDay: day, description: 'Resgate poupança', descriptionRaw: 'RESGATE POUPANCA', type: 'DEBIT', amount: -amount, categoryId: '04000000', category: 'Same person transfer', operationType: 'TRANSFERENCIA_MESMA_INSTITUICAO' });
      }
    }
  }
  account.transactions = finalize(account, drafts, random, input);
}

/**
 * The Item's accounts with their history, honouring the requested products: no ACCOUNTS → no bank accounts,
 * no CREDIT_CARDS → no card, no TRANSACTIONS → accounts without history.
 */
export function generateAccounts(input: GenerationInput): SandboxAccount[] {
  const today = brazilEpochDay(input.nowMs);
  const startDay = today - HISTORY_DAYS + 1;
  const withBank = input.includeBankAccounts && input.products.includes('ACCOUNTS');
  const withCard = input.products.includes('CREDIT_CARDS');
  const withTransactions = input.products.includes('TRANSACTIONS');
  const shells: AccountShell[] = [];
  let billPayments: BillPayments = new Map();
  const card = withCard ? shell(input, 'CREDIT_CARD') : undefined;
  if (card && withTransactions) billPayments = generateCreditCard(card, input, startDay, today);
  if (withBank) {
    const checking = shell(input, 'CHECKING_ACCOUNT');
    const savings = shell(input, 'SAVINGS_ACCOUNT');
    if (withTransactions) {
      generateChecking(checking, input, startDay, today, billPayments, true);
      generateSavings(savings, input, startDay, today);
    }
    shells.push(checking, savings);
  }
  if (card) shells.push(card);
  for (const { account, openingBalance } of shells) recomputeBalances(account, openingBalance);
  return shells.map(({ account }) => account);
}

export interface ActivityInput {
  readonly seed: string;
  readonly nowMs: number;
  readonly createdAt: string;
  readonly count: number;
  readonly openFinance: boolean;
}

/**
 * New transactions dated today, as an auto-sync finds them: Pix and debit purchases on bank accounts (the
 * purchases PENDING), purchases on a card (PENDING: the bill is open). Returns what was added.
 */
export function appendActivity(account: SandboxAccount, input: ActivityInput): SandboxTransaction[] {
  if (input.count <= 0) return [];
  const random = new SeededRandom(hashSeed(input.seed, account.id, 'activity', String(account.nextSequence)));
  const today = brazilEpochDay(input.nowMs);
  const drafts: Draft[] = [];
  for (let index = 0; index < input.count; index += 1) {
    if (account.type === 'CREDIT') {
      drafts.push(cardPurchase(random, today, account.number, random.pick(MERCHANT_PROFILES), today - 1));
    } else if (index % 2 === 0) {
      const profile = random.pick(MERCHANT_PROFILES.filter((candidate) => candidate.max <= 500));
      const amount = round2(random.amount(profile.min, profile.max));
      drafts.push({ epochDay: today, description: profile.name, descriptionRaw: `COMPRA CARTAO DEB ${profile.name.toUpperCase()}`, type: 'DEBIT', amount: -amount, categoryId: profile.categoryId, category: profile.category, operationType: 'CARTAO', merchant: merchantOf(profile), status: 'PENDING' });
    } else {
      const person = personOf(random.pick(PEOPLE));
      const owner: PaymentParticipant = { name: OWNER, documentNumber: { type: 'CPF', value: account.taxNumber }, accountNumber: null, branchNumber: '0001', routingNumber: '999', routingNumberISPB: null };
      const amount = round2(random.amount(20, 300));
      drafts.push({ epochDay: today, description: `Pix enviado - ${person.name}`, descriptionRaw: `PIX ENVIADO ${person.name.toUpperCase()}`, type: 'DEBIT', amount: -amount, categoryId: '05070000', category: 'Transfer - PIX', operationType: 'PIX', paymentData: pixData('out', owner, person) });
    }
  }
  const opening = openingBalanceOf(account);
  const added = finalize(account, drafts, random, input);
  account.transactions.push(...added);
  recomputeBalances(account, opening);
  account.updatedAt = input.createdAt;
  return added;
}
