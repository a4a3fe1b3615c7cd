/** What the figures were measured on: the machine and the commit. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { projectRoot } from './bench-context';

export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    /** 1, 5 and 15 minute load averages: other work on the machine shows up in every timing. */
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

function git(args: readonly string[]): string {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeCommit() {
  const sha = git(['rev-parse', 'HEAD']) || 'unknown';
  // Benchmark outputs and scratch files do not make the tree "dirty" for this purpose.
  const changes = git(['status', '--porcelain'])
    .split('\n')
    .filter((line) => line.trim() !== '' && !/\sbench\/results\.(md|json)$/.test(line));
  return { sha, shortSha: sha.slice(0, 10), dirty: changes.length > 0, changedFiles: changes.length, subject: git(['log', '-1', '--format=%s']) };
}
