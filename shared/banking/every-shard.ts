/**
 * Runs `work` on every shard of a sharded index (the due index, the consent-expiry index) at once: shards hold
 * disjoint connections, so a run takes as long as its slowest shard, not the sum of all. Every shard finishes
 * before a failure is passed on (the first, in shard order), so one failing shard never leaves the others half
 * done. Returns the shards' results in shard order.
 */
export async function onEveryShard<T>(shardCount: number, work: (shard: number) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(Array.from({ length: shardCount }, (_, shard) => work(shard)));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
