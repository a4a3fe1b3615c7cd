import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GoalRow } from '../../bench/goals';
import { README_GOALS_END, README_GOALS_START, withGoalsBlock } from '../../bench/readme-goals';

const rows: GoalRow[] = [
  { figure: 'cost per Plaid connection-month', goal: '≤ 0.002 USD', value: 0.0015, shown: '0.0015 USD', met: true },
  { figure: 'WRU per new transaction', goal: '≤ 2', value: 3, shown: '3', met: false },
];
const run = { date: '2026-12-07T06:00:00.000Z', totalSeconds: 512.3, commitSha: 'abcdef0123456789' };

describe('README benchmark goals block', () => {
  it('replaces only what lies between the markers, with every goal beside its figure', () => {
    const readme = `# Title\n\nbefore\n${README_GOALS_START}\nold table\n${README_GOALS_END}\nafter\n`;
    const updated = withGoalsBlock(readme, rows, run);
    expect(updated.startsWith('# Title\n\nbefore\n')).toBe(true);
    expect(updated.endsWith(`${README_GOALS_END}\nafter\n`)).toBe(true);
    expect(updated).not.toContain('old table');
    expect(updated).toContain('| cost per Plaid connection-month | ≤ 0.002 USD | 0.0015 USD | yes |');
    expect(updated).toContain('| WRU per new transaction | ≤ 2 | 3 | **no** |');
    expect(updated).toContain('run of 2026-12-07 at commit `abcdef0`, 512.3 s; 1 of 2 met');
    expect(withGoalsBlock(updated, rows, run)).toBe(updated);
  });

  it('refuses a README without the block', () => {
    expect(() => withGoalsBlock('# no markers\n', rows, run)).toThrow(/bench-goals:start/);
  });

  it('the project README carries the block', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme.indexOf(README_GOALS_START)).toBeGreaterThan(0);
    expect(readme.indexOf(README_GOALS_END)).toBeGreaterThan(readme.indexOf(README_GOALS_START));
  });
});
