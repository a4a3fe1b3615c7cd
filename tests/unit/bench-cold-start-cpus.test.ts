/**
 * The benchmark pins each cold start to one CPU, one stream of rounds per CPU; it reads the CPUs it may use
 * from `taskset -cp` (util-linux), whose answer lists them as ranges.
 */
import { describe, expect, it } from 'vitest';
import { cpusOfAffinity } from '../../bench/cold-start';

describe('cpusOfAffinity', () => {
  it('reads single CPUs and ranges', () => {
    expect(cpusOfAffinity("pid 4242's current affinity list: 0,1\n")).toEqual([0, 1]);
    expect(cpusOfAffinity("pid 7's current affinity list: 0-3\n")).toEqual([0, 1, 2, 3]);
    expect(cpusOfAffinity("pid 7's current affinity list: 2,5-7,9\n")).toEqual([2, 5, 6, 7, 9]);
  });

  it('reads nothing from an answer it does not understand, so the runs are not pinned', () => {
    expect(cpusOfAffinity('')).toEqual([]);
    expect(cpusOfAffinity('taskset: failed to get pid 7 affinity: No such process')).toEqual([]);
    expect(cpusOfAffinity("pid 7's current affinity list: ff\n")).toEqual([]);
  });
});
