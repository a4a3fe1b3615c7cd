/** Paths and the progress printer shared by the benchmark sections. */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchRoot = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(benchRoot, '..');
/** Scratch space for bundles, events and load files (git-ignored). */
export const workDir = path.join(benchRoot, '.work');

export type Progress = (message: string) => void;

/** Progress lines on stderr with the elapsed time, so `npm run bench` shows where it is. */
export function progressPrinter(startedAt: number): Progress {
  return (message) => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${seconds} s] ${message}\n`);
  };
}

const activeChildren = new Set<ChildProcess>();

/** Remembers a child process until it exits, so an interrupted run can end it ({@link killActiveChildren}). */
export function trackChild(child: ChildProcess): void {
  activeChildren.add(child);
  child.once('exit', () => activeChildren.delete(child));
}

export function killActiveChildren(): void {
  for (const child of activeChildren) child.kill('SIGKILL');
  activeChildren.clear();
}
