import { vi } from 'vitest';

/**
 * Swallows what is written to stdout and stderr (the logger writes INFO to stdout, WARN/ERROR to stderr) and
 * returns the chunks; `vi.restoreAllMocks()` lets output through again.
 */
export function captureOutput(): string[] {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
}
