/**
 * Merchants and counterparties the generated histories draw from.
 *
 * Categories use Plaid's personal finance category taxonomy (v1 primary/detailed pairs, docs
 * https://plaid.com/documents/transactions-personal-finance-category-taxonomy.csv). Amounts are in the
 * account currency with Plaid's sign convention applied later (positive = money out).
 */
import { CounterpartyType, TransactionPaymentChannelEnum, type Location, type PersonalFinanceCategory, type TransactionCounterparty } from 'plaid';
import { hashSeed, SeededRandom } from '../common/seeded-random';

export type Confidence = 'VERY_HIGH' | 'HIGH' | 'MEDIUM' | 'LOW';

interface StoreLocation {
  readonly address: string;
  readonly city: string;
  readonly region: string;
  readonly postalCode: string;
  readonly lat: number;
  readonly lon: number;
  readonly storeNumber: string;
}

interface MerchantDefinition {
  readonly key: string;
  readonly merchantName: string | null;
  /** Raw bank descriptors; one is chosen per transaction. `{mask}` is replaced by a related account's mask. */
  readonly descriptors: readonly string[];
  readonly website: string | null;
  readonly category: readonly [primary: string, detailed: string];
  readonly confidence: Confidence;
  readonly channel: TransactionPaymentChannelEnum;
  readonly counterpartyType: CounterpartyType | null;
  /** Range of the money amount (always positive here). */
  readonly amount: readonly [min: number, max: number];
  readonly store?: StoreLocation;
  /** Restaurants: the posted amount adds a tip to the pending authorisation. */
  readonly tipOnPosting?: boolean;
}

/** A merchant with its shared, immutable sub-objects built once (histories of 100k rows reuse them). */
export interface Merchant extends MerchantDefinition {
  readonly entityId: string | null;
  readonly personalFinanceCategory: PersonalFinanceCategory;
  readonly categoryIconUrl: string;
  readonly counterparties: TransactionCounterparty[];
  readonly location: Location;
}

export const EMPTY_LOCATION: Location = Object.freeze({
  address: null,
  city: null,
  region: null,
  postal_code: null,
  country: null,
  lat: null,
  lon: null,
  store_number: null,
});

function store(address: string, city: string, postalCode: string, lat: number, lon: number, storeNumber: string): StoreLocation {
  return { address, city, region: 'CA', postalCode, lat, lon, storeNumber };
}

const IN_STORE = TransactionPaymentChannelEnum.InStore;
const ONLINE = TransactionPaymentChannelEnum.Online;
const OTHER = TransactionPaymentChannelEnum.Other;
const MERCHANT = CounterpartyType.Merchant;

const DEFINITIONS: readonly MerchantDefinition[] = [
  // Everyday spending.
  { key: 'starbucks', merchantName: 'Starbucks', descriptors: ['STARBUCKS STORE 05723', 'STARBUCKS 800-782-7282'], website: 'starbucks.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [3.45, 9.8], store: store('398 Market St', 'San Francisco', '94111', 37.7917, -122.3989, '05723') },
  { key: 'blue-bottle', merchantName: 'Blue Bottle Coffee', descriptors: ['BLUE BOTTLE COFFEE SAN FRANCISCO'], website: 'bluebottlecoffee.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [4.5, 12], store: store('66 Mint St', 'San Francisco', '94103', 37.7823, -122.4073, '12') },
  { key: 'whole-foods', merchantName: 'Whole Foods Market', descriptors: ['WHOLEFDS SFO 10155', 'WHOLE FOODS MARKET #10155'], website: 'wholefoodsmarket.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [18, 165], store: store('399 4th St', 'San Francisco', '94107', 37.7811, -122.3995, '10155') },
  { key: 'safeway', merchantName: 'Safeway', descriptors: ['SAFEWAY #1507', 'SAFEWAY STORE 1507'], website: 'safeway.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [12, 130], store: store('2020 Market St', 'San Francisco', '94114', 37.7687, -122.4276, '1507') },
  { key: 'trader-joes', merchantName: "Trader Joe's", descriptors: ['TRADER JOE S #236 QPS'], website: 'traderjoes.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [16, 95], store: store('555 9th St', 'San Francisco', '94103', 37.7702, -122.4078, '236') },
  { key: 'chipotle', merchantName: 'Chipotle Mexican Grill', descriptors: ['CHIPOTLE 1762', 'CHIPOTLE ONLINE'], website: 'chipotle.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [9.25, 18.5], store: store('211 Sutter St', 'San Francisco', '94108', 37.7897, -122.4042, '1762') },
  { key: 'mcdonalds', merchantName: "McDonald's", descriptors: ["MCDONALD'S F34523"], website: 'mcdonalds.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [5.9, 14.75], store: store('441 Bayshore Blvd', 'San Francisco', '94124', 37.7446, -122.4037, '34523') },
  { key: 'nopa', merchantName: 'Nopa', descriptors: ['NOPA SAN FRANCISCO', 'TST* NOPA'], website: 'nopasf.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT'], confidence: 'HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [38, 145], store: store('560 Divisadero St', 'San Francisco', '94117', 37.7749, -122.4375, '1'), tipOnPosting: true },
  { key: 'sweetgreen', merchantName: 'Sweetgreen', descriptors: ['SWEETGREEN SOMA'], website: 'sweetgreen.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [12.5, 21], store: store('171 2nd St', 'San Francisco', '94105', 37.7868, -122.3984, '88'), tipOnPosting: true },
  { key: 'shell', merchantName: 'Shell', descriptors: ['SHELL OIL 57444213201'], website: 'shell.com', category: ['TRANSPORTATION', 'TRANSPORTATION_GAS'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [28, 78], store: store('1298 Howard St', 'San Francisco', '94103', 37.7755, -122.4125, '5744') },
  { key: 'chevron', merchantName: 'Chevron', descriptors: ['CHEVRON 0306498'], website: 'chevron.com', category: ['TRANSPORTATION', 'TRANSPORTATION_GAS'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [30, 82], store: store('2399 Lombard St', 'San Francisco', '94123', 37.7990, -122.4406, '306498') },
  { key: 'cvs', merchantName: 'CVS Pharmacy', descriptors: ['CVS/PHARMACY #09876'], website: 'cvs.com', category: ['MEDICAL', 'MEDICAL_PHARMACIES_AND_SUPPLEMENTS'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [6.5, 48], store: store('731 Market St', 'San Francisco', '94103', 37.7869, -122.4039, '09876') },
  { key: 'walgreens', merchantName: 'Walgreens', descriptors: ['WALGREENS #7183'], website: 'walgreens.com', category: ['MEDICAL', 'MEDICAL_PHARMACIES_AND_SUPPLEMENTS'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [5, 42], store: store('135 Powell St', 'San Francisco', '94102', 37.7856, -122.4079, '7183') },
  { key: 'target', merchantName: 'Target', descriptors: ['TARGET T-2767', 'TARGET.COM *'], website: 'target.com', category: ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_SUPERSTORES'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [14, 145], store: store('789 Mission St', 'San Francisco', '94103', 37.7843, -122.4036, '2767') },
  { key: 'home-depot', merchantName: 'The Home Depot', descriptors: ['THE HOME DEPOT #0628'], website: 'homedepot.com', category: ['HOME_IMPROVEMENT', 'HOME_IMPROVEMENT_HARDWARE'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [11, 230], store: store('2 Colma Blvd', 'Colma', '94014', 37.6727, -122.4669, '0628') },
  { key: 'amc', merchantName: 'AMC Theatres', descriptors: ['AMC 1000 VAN NESS #2461'], website: 'amctheatres.com', category: ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [14, 42], store: store('1000 Van Ness Ave', 'San Francisco', '94109', 37.7855, -122.4215, '2461') },
  { key: 'amazon', merchantName: 'Amazon', descriptors: ['AMAZON MKTPL*2K4LM8ZQ1', 'AMZN Mktp US*RT5PJ2H70', 'Amazon.com*MB8VC1AB2'], website: 'amazon.com', category: ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ONLINE_MARKETPLACES'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: CounterpartyType.Marketplace, amount: [8.99, 189] },
  { key: 'uber', merchantName: 'Uber', descriptors: ['UBER *TRIP HELP.UBER.COM', 'UBER   *TRIP'], website: 'uber.com', category: ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [8.5, 42] },
  { key: 'lyft', merchantName: 'Lyft', descriptors: ['LYFT   *RIDE SUN 4PM'], website: 'lyft.com', category: ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [9, 38] },
  { key: 'uber-eats', merchantName: 'Uber Eats', descriptors: ['UBER *EATS HELP.UBER.COM'], website: 'ubereats.com', category: ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT'], confidence: 'HIGH', channel: ONLINE, counterpartyType: CounterpartyType.Marketplace, amount: [17, 58] },
  { key: 'united', merchantName: 'United Airlines', descriptors: ['UNITED 0162349027391'], website: 'united.com', category: ['TRAVEL', 'TRAVEL_FLIGHTS'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [148, 640] },
  { key: 'airbnb', merchantName: 'Airbnb', descriptors: ['AIRBNB * HMQ2K8JX4R'], website: 'airbnb.com', category: ['TRAVEL', 'TRAVEL_LODGING'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: CounterpartyType.Marketplace, amount: [190, 920] },
  { key: 'venmo-out', merchantName: 'Venmo', descriptors: ['VENMO PAYMENT 1023456781', 'VENMO *PAYMENT'], website: 'venmo.com', category: ['TRANSFER_OUT', 'TRANSFER_OUT_ACCOUNT_TRANSFER'], confidence: 'HIGH', channel: OTHER, counterpartyType: CounterpartyType.PaymentApp, amount: [10, 85] },
  { key: 'atm', merchantName: null, descriptors: ['ATM WITHDRAWAL 002347 MARKET ST SAN FRANCISCO', 'NON-CHASE ATM WITHDRAW 1ST AVE'], website: null, category: ['TRANSFER_OUT', 'TRANSFER_OUT_WITHDRAWAL'], confidence: 'VERY_HIGH', channel: IN_STORE, counterpartyType: null, amount: [40, 200] },
  // Recurring bills and income.
  { key: 'payroll', merchantName: 'Gusto', descriptors: ['GUSTO PAY 473829 PPD'], website: 'gusto.com', category: ['INCOME', 'INCOME_WAGES'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: CounterpartyType.IncomeSource, amount: [2_140, 2_380] },
  { key: 'rent', merchantName: 'AvalonBay Communities', descriptors: ['AVALONBAY COMMUNITIES WEB PMT'], website: 'avaloncommunities.com', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], confidence: 'HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [2_150, 2_150] },
  { key: 'pge', merchantName: 'Pacific Gas and Electric', descriptors: ['PGANDE WEB ONLINE'], website: 'pge.com', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_GAS_AND_ELECTRICITY'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [42, 148] },
  { key: 'comcast', merchantName: 'Xfinity', descriptors: ['COMCAST CABLE COMM'], website: 'xfinity.com', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_INTERNET_AND_CABLE'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [79.99, 79.99] },
  { key: 'geico', merchantName: 'GEICO', descriptors: ['GEICO *AUTO'], website: 'geico.com', category: ['GENERAL_SERVICES', 'GENERAL_SERVICES_INSURANCE'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [112.4, 112.4] },
  { key: 'verizon', merchantName: 'Verizon', descriptors: ['VZWRLSS*APOCC VISB'], website: 'verizon.com', category: ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_TELEPHONE'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [65, 65] },
  { key: 'netflix', merchantName: 'Netflix', descriptors: ['NETFLIX.COM'], website: 'netflix.com', category: ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [15.49, 15.49] },
  { key: 'spotify', merchantName: 'Spotify', descriptors: ['Spotify USA'], website: 'spotify.com', category: ['ENTERTAINMENT', 'ENTERTAINMENT_MUSIC_AND_AUDIO'], confidence: 'VERY_HIGH', channel: ONLINE, counterpartyType: MERCHANT, amount: [11.99, 11.99] },
  { key: 'climbing-gym', merchantName: 'Touchstone Climbing', descriptors: ['TOUCHSTONE CLIMBING INC'], website: 'touchstoneclimbing.com', category: ['PERSONAL_CARE', 'PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS'], confidence: 'HIGH', channel: IN_STORE, counterpartyType: MERCHANT, amount: [85, 85], store: store('2295 Harrison St', 'San Francisco', '94110', 37.7608, -122.4125, '3') },
  { key: 'card-payment-out', merchantName: null, descriptors: ['PLAID CREDIT CARD PAYMENT {mask}'], website: null, category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: null, amount: [380, 1_450] },
  { key: 'card-payment-in', merchantName: null, descriptors: ['PAYMENT - THANK YOU'], website: null, category: ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: null, amount: [380, 1_450] },
  { key: 'savings-transfer-out', merchantName: null, descriptors: ['ONLINE TRANSFER TO SAV XXXXXX{mask}'], website: null, category: ['TRANSFER_OUT', 'TRANSFER_OUT_SAVINGS'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: null, amount: [250, 600] },
  { key: 'savings-transfer-in', merchantName: null, descriptors: ['ONLINE TRANSFER FROM CHK XXXXXX{mask}'], website: null, category: ['TRANSFER_IN', 'TRANSFER_IN_ACCOUNT_TRANSFER'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: null, amount: [250, 600] },
  { key: 'interest', merchantName: null, descriptors: ['INTEREST PAYMENT'], website: null, category: ['INCOME', 'INCOME_INTEREST_EARNED'], confidence: 'VERY_HIGH', channel: OTHER, counterpartyType: null, amount: [0.35, 2.6] },
  // Fallback for /sandbox/transactions/create descriptions that match no known merchant.
  { key: 'unknown', merchantName: null, descriptors: ['PURCHASE'], website: null, category: ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE'], confidence: 'LOW', channel: OTHER, counterpartyType: null, amount: [1, 100] },
];

function buildMerchant(definition: MerchantDefinition): Merchant {
  // Entity ids look like Plaid's (37 alphanumerics) and are stable per merchant across runs.
  const entityId = definition.merchantName === null ? null : new SeededRandom(hashSeed('merchant', definition.key)).identifier(37);
  const counterparties: TransactionCounterparty[] =
    definition.merchantName !== null && definition.counterpartyType !== null
      ? [{ name: definition.merchantName, type: definition.counterpartyType, website: definition.website, logo_url: null, entity_id: entityId, confidence_level: definition.confidence }]
      : [];
  const location: Location = definition.store
    ? {
        address: definition.store.address,
        city: definition.store.city,
        region: definition.store.region,
        postal_code: definition.store.postalCode,
        country: 'US',
        lat: definition.store.lat,
        lon: definition.store.lon,
        store_number: definition.store.storeNumber,
      }
    : EMPTY_LOCATION;
  return {
    ...definition,
    entityId,
    personalFinanceCategory: { primary: definition.category[0], detailed: definition.category[1], confidence_level: definition.confidence },
    categoryIconUrl: `https://plaid-category-icons.plaid.com/PFC_${definition.category[0]}.png`,
    counterparties,
    location,
  };
}

export const MERCHANTS: Readonly<Record<string, Merchant>> = Object.fromEntries(DEFINITIONS.map((definition) => [definition.key, buildMerchant(definition)]));

export function merchant(key: string): Merchant {
  const found = MERCHANTS[key];
  if (!found) throw new RangeError(`unknown merchant ${key}`);
  return found;
}

/** Merchants for day-to-day card and debit spending, with relative frequency. */
export const EVERYDAY_SPENDING: ReadonlyArray<readonly [key: string, weight: number]> = [
  ['starbucks', 10],
  ['blue-bottle', 4],
  ['whole-foods', 6],
  ['safeway', 6],
  ['trader-joes', 5],
  ['chipotle', 5],
  ['mcdonalds', 3],
  ['nopa', 2],
  ['sweetgreen', 4],
  ['shell', 3],
  ['chevron', 2],
  ['cvs', 3],
  ['walgreens', 2],
  ['target', 4],
  ['home-depot', 1],
  ['amc', 1],
  ['amazon', 8],
  ['uber', 5],
  ['lyft', 3],
  ['uber-eats', 4],
  ['united', 0.3],
  ['airbnb', 0.2],
];

/**
 * Best-effort enrichment of a free-text description (from /sandbox/transactions/create) to a known
 * merchant, the way Plaid enriches raw descriptors; unknown text stays unenriched with LOW confidence.
 */
export function merchantForDescription(description: string): Merchant {
  const text = description.toLowerCase();
  for (const candidate of Object.values(MERCHANTS)) {
    if (candidate.merchantName === null) continue;
    const name = candidate.merchantName.toLowerCase();
    if (text.includes(name) || text.includes(candidate.key.replace('-', ' '))) return candidate;
  }
  return merchant('unknown');
}
