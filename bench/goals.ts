/**
 * The goals each figure is measured against, with the figure beside it: the first table of results.md, the
 * `goals` entry of results.json and the README's benchmark table.
 */
import type { BenchResults } from './run';

export interface GoalRow {
  readonly figure: string;
  readonly goal: string;
  readonly value: number | null;
  readonly shown: string;
  readonly met: boolean | null;
}

function row(figure: string, limit: number, value: number | null, unit = ''): GoalRow {
  return { figure, goal: `≤ ${limit}${unit}`, value, shown: value === null ? 'not measured' : `${value}${unit}`, met: value === null ? null : value <= limit };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function goalsOf(results: Omit<BenchResults, 'goals'>): GoalRow[] {
  const cold = results.coldStart;
  const worst = cold && cold.functions.length > 0 ? cold.functions.reduce((max, fn) => (fn.vsSdkBaseline > max.vsSdkBaseline ? fn : max)) : null;
  const plaidFirst = results.sync?.plaid.first;
  const plaidTransactions = results.sync?.plaid.transactions ?? 0;
  const tick = results.scheduler?.measured[0];
  const sqsRequests = tick ? (tick.aws['SQS.SendMessageBatch']?.requests ?? 0) : 0;
  const rows: GoalRow[] = [
    {
      ...row('worst cold start × its SDK-only bundle (`coldStart.functions[].vsSdkBaseline`)', 1.1, worst ? worst.vsSdkBaseline : null, '×'),
      // For a function whose first answer makes AWS requests, its SDK-only bundle sends them too (`sdk:…+requests(N)`).
      ...(worst
        ? {
            figure:
              `worst cold start × its SDK-only bundle (\`vsSdkBaseline\`, ${worst.id}` +
              (worst.firstAnswerRequests ? `, vs \`${worst.sdkBaseline}\`; × plain SDK-only ${worst.vsSdkOnlyBaseline}` : '') +
              ')',
          }
        : {}),
    },
    row('SDK clients bundled without a grant (functions)', 0, cold ? cold.functions.filter((fn) => fn.clientsWithoutGrant.length > 0).length : null),
    row('cost per Plaid connection-month (`cost.totalUsdPerConnectionMonth`)', 0.002, results.cost ? round(results.cost.totalUsdPerConnectionMonth, 6) : null, ' USD'),
    row('cost per Pluggy connection-month (`cost.pluggy.totalUsdPerConnectionMonth`)', 0.002, results.cost?.pluggy ? round(results.cost.pluggy.totalUsdPerConnectionMonth, 6) : null, ' USD'),
    row('WRU per new transaction (Plaid first sync)', 2, plaidFirst && plaidTransactions > 0 ? round(plaidFirst.writeUnits / plaidTransactions, 2) : null),
    row('AWS requests per webhook delivery (`webhook.awsRequestsPerDelivery`)', 3, results.webhook ? results.webhook.awsRequestsPerDelivery : null),
    row('Pluggy requests of a sync with nothing new (`sync.pluggy.unchanged.provider.total`)', 5, results.sync?.pluggy ? results.sync.pluggy.unchanged.provider.total : null),
    row(
      'scheduler AWS requests per due connection above the SQS floor',
      0.3,
      tick && tick.connections > 0 ? round((tick.awsRequests - sqsRequests) / tick.connections, 4) : null,
    ),
  ];
  return rows.map((entry) => ({ ...entry, goal: entry.goal || row('', 0, null).goal }));
}

export function goalsTable(rows: readonly GoalRow[]): string {
  const lines = ['| Figure | Goal | Measured | Met |', '| --- | --- | --- | --- |'];
  for (const entry of rows) lines.push(`| ${entry.figure} | ${entry.goal} | ${entry.shown} | ${entry.met === null ? '—' : entry.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}
