/**
 * Keeps the README's benchmark goals table in step with the latest full run: `npm run bench` (not `--quick`)
 * replaces what lies between the two markers below with the run's goals table, so the README never shows a
 * figure that results.json does not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { goalsTable, type GoalRow } from './goals';

export const README_GOALS_START = '<!-- bench-goals:start -->';
export const README_GOALS_END = '<!-- bench-goals:end -->';

export interface GoalsRun {
  readonly date: string;
  readonly totalSeconds: number;
  readonly commitSha: string;
}

/** The README text with its goals block replaced; throws if the markers are missing or out of order. */
export function withGoalsBlock(readme: string, rows: readonly GoalRow[], run: GoalsRun): string {
  const start = readme.indexOf(README_GOALS_START);
  const end = readme.indexOf(README_GOALS_END);
  if (start < 0 || end < start) {
    throw new Error(`README lacks the ${README_GOALS_START} … ${README_GOALS_END} block the benchmark writes its goals into`);
  }
  const met = rows.filter((row) => row.met === true).length;
  const block = [
    README_GOALS_START,
    `Goals and the latest full run's figure beside each (\`bench/results.json\` → \`goals\`; run of ${run.date.slice(0, 10)} at commit \`${run.commitSha.slice(0, 7)}\`, ${run.totalSeconds} s; ${met} of ${rows.length} met; the run exits non-zero while any function bundles an SDK client it has no grant for):`,
    '',
    goalsTable(rows),
    README_GOALS_END,
  ].join('\n');
  return `${readme.slice(0, start)}${block}${readme.slice(end + README_GOALS_END.length)}`;
}

export function updateReadmeGoals(readmePath: string, rows: readonly GoalRow[], run: GoalsRun): void {
  writeFileSync(readmePath, withGoalsBlock(readFileSync(readmePath, 'utf8'), rows, run));
}
