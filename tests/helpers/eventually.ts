/**
 * Waiting for asynchronous outcomes (queue deliveries, ticks) without asserting how long they take:
 * {@link eventually} polls a condition until it holds or a generous deadline passes.
 */
import { readFile } from 'node:fs/promises';

/**
 * Resolves with the first truthy value `probe` returns; rejects with `description` after `timeoutMs`.
 *
 * @example
 * await eventually('the DLQ holds the message', async () => (await dlqDepth()) === 1);
 */
export async function eventually<T>(
  description: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 20_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Parses a JSON-lines file written by a fixture; an absent file is an empty list. */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}
