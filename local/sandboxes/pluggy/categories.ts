/**
 * A representative part of Pluggy's category tree.
 *
 * The shape is Pluggy's (https://docs.pluggy.ai/reference/categories, pluggy-net Category.cs): 8-digit string ids where the
 * first two digits name the top-level category and the next two the sub-category (`01000000` Income →
 * `01010000` Salary/pro-labore, the OAS example), an English `description`, a Portuguese
 * `descriptionTranslated`, and `parentId` / `parentDescription` on sub-categories. Pluggy's full list has
 * about a hundred entries; the ids of the ones here beyond the documented examples are the sandbox's own.
 */

export interface SandboxCategory {
  readonly id: string;
  readonly description: string;
  readonly descriptionTranslated: string;
  readonly parentId?: string;
}

const CATEGORY_ROWS: ReadonlyArray<readonly [id: string, description: string, translated: string]> = [
  ['01000000', 'Income', 'Renda'],
  ['01010000', 'Salary/pro-labore', 'Salário'],
  ['01020000', 'Retirement', 'Aposentadoria'],
  ['01030000', 'Entrepreneurial activities', 'Atividades empresariais'],
  ['01040000', 'Government aid', 'Auxílio governamental'],
  ['01050000', 'Non-recurring income', 'Renda não-recorrente'],
  ['02000000', 'Loans and financing', 'Empréstimos e financiamentos'],
  ['02010000', 'Late payment and overdraft costs', 'Juros e encargos por atraso'],
  ['03000000', 'Investments', 'Investimentos'],
  ['03010000', 'Automatic investment', 'Investimento automático'],
  ['03020000', 'Interests', 'Rendimentos'],
  ['04000000', 'Same person transfer', 'Transferência mesma titularidade'],
  ['05000000', 'Transfers', 'Transferências'],
  ['05070000', 'Transfer - PIX', 'Transferência - PIX'],
  ['05080000', 'Transfer - TED', 'Transferência - TED'],
  ['05100000', 'Credit card payment', 'Pagamento de cartão de crédito'],
  ['06000000', 'Legal obligations', 'Obrigações legais'],
  ['07000000', 'Services', 'Serviços'],
  ['07010000', 'Telecommunications', 'Telecomunicações'],
  ['07020000', 'Education', 'Educação'],
  ['08000000', 'Shopping', 'Compras'],
  ['08010000', 'Online shopping', 'Compras online'],
  ['08030000', 'Electronics', 'Eletrônicos'],
  ['08050000', 'Clothing', 'Vestuário'],
  ['09000000', 'Digital services', 'Serviços digitais'],
  ['09030000', 'Video streaming', 'Streaming de vídeo'],
  ['10000000', 'Groceries', 'Supermercado'],
  ['11000000', 'Food and drinks', 'Alimentação'],
  ['11010000', 'Eating out', 'Restaurantes'],
  ['11020000', 'Food delivery', 'Delivery de comida'],
  ['12000000', 'Travel', 'Viagens'],
  ['15000000', 'Taxes', 'Impostos'],
  ['16000000', 'Bank fees', 'Tarifas bancárias'],
  ['17000000', 'Housing', 'Moradia'],
  ['17020000', 'Utilities', 'Contas de consumo'],
  ['18000000', 'Healthcare', 'Saúde'],
  ['18020000', 'Pharmacy', 'Farmácia'],
  ['19000000', 'Transportation', 'Transporte'],
  ['19010000', 'Taxi and ride-hailing', 'Táxi e transporte por aplicativo'],
  ['19050000', 'Gas stations', 'Postos de combustível'],
  ['20000000', 'Insurance', 'Seguros'],
  ['21000000', 'Leisure', 'Lazer'],
  ['99999999', 'Other', 'Outros'],
];

function parentIdOf(id: string): string | undefined {
  if (id === '99999999' || id.endsWith('000000')) return undefined;
  return `${id.slice(0, 2)}000000`;
}

export const CATEGORIES: readonly SandboxCategory[] = CATEGORY_ROWS.map(([id, description, descriptionTranslated]) => {
  const parentId = parentIdOf(id);
  return parentId === undefined ? { id, description, descriptionTranslated } : { id, description, descriptionTranslated, parentId };
});

const CATEGORY_BY_ID = new Map(CATEGORIES.map((category) => [category.id, category]));

export function findCategory(id: string): SandboxCategory | undefined {
  return CATEGORY_BY_ID.get(id);
}

/** The category as `GET /categories` returns it. */
export function categoryView(category: SandboxCategory): Record<string, unknown> {
  const parent = category.parentId === undefined ? undefined : CATEGORY_BY_ID.get(category.parentId);
  return {
    id: category.id,
    description: category.description,
    descriptionTranslated: category.descriptionTranslated,
    parentId: category.parentId ?? null,
    parentDescription: parent?.description ?? null,
  };
}
