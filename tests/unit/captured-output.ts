import { onTestFinished, vi } from 'vitest';
import { captureLines } from '../../shared/observability/output';

export interface CapturedOutput {
  /** Everything written meanwhile, one entry per line or chunk, in order. */
  readonly lines: string[];
  /** Lets output through again. */
  restore(): void;
}

/**
 * Swallows what the logger and the metrics emitter write (through the output module's capture hook: they
 * write to the file descriptors, not to `process.stdout`) and anything written to `process.stdout` or
 * `process.stderr` directly, and collects it in order until `restore()` (at the latest, the end of the test).
 */
export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const stopCapturing = captureLines((_stream, line) => lines.push(line));
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  const restore = () => {
    stopCapturing();
    for (const spy of spies) spy.mockRestore();
  };
  onTestFinished(restore);
  return { lines, restore };
}
