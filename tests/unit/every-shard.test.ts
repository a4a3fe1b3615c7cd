import { describe, expect, it } from 'vitest';
import { onEveryShard } from '../../shared/banking/every-shard';

describe('onEveryShard', () => {
  it('runs every shard at once and returns the results in shard order', async () => {
    const started: number[] = [];
    const results = await onEveryShard(3, async (shard) => {
      started.push(shard);
      await new Promise((resolve) => setTimeout(resolve, (3 - shard) * 5));
      return shard * 10;
    });
    expect(started).toEqual([0, 1, 2]);
    expect(results).toEqual([0, 10, 20]);
  });

  it('lets every shard finish before passing on the first failure in shard order', async () => {
    const finished: number[] = [];
    const run = onEveryShard(3, async (shard) => {
      await new Promise((resolve) => setTimeout(resolve, (3 - shard) * 5));
      finished.push(shard);
      if (shard > 0) throw new Error(`shard ${shard} failed`);
      return shard;
    });
    await expect(run).rejects.toThrow('shard 1 failed');
    expect(finished.sort()).toEqual([0, 1, 2]);
  });
});
