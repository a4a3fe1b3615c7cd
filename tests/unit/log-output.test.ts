/**
 * The output module under the logger and the metrics emitter: whole lines on file descriptors 1 and 2 without
 * building `process.stdout`/`process.stderr` (checked in a child process writing to real pipes), every byte of
 * a line even when a write takes only part of it, and Node's stream as the way out once a non-blocking
 * descriptor answers EAGAIN (the write system call is faked there: a full pipe cannot be arranged reliably).
 */
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const fsCalls = vi.hoisted(() => ({ fake: undefined as undefined | ((fd: number, buffer: Uint8Array, offset: number, length: number) => number) }));

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  // The output module calls writeSync(fd, buffer, offset, length); the fake sees those four.
  const writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) =>
    fsCalls.fake ? fsCalls.fake(fd, buffer, offset, length) : actual.writeSync(fd, buffer, offset, length)) as unknown as typeof actual.writeSync;
  return { ...actual, default: { ...actual, writeSync }, writeSync };
});

const outputModule = path.resolve(__dirname, '../../shared/observability/output.ts');

afterEach(() => {
  fsCalls.fake = undefined;
  vi.restoreAllMocks();
  vi.resetModules();
});

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake`), { code });
}

describe('log output', () => {
  it('writes whole lines to fd 1 and 2, in order, without building process.stdout or process.stderr', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'log-output-'));
    // Bundled and run by bare `node`, as a function runs: a loader compiling TypeScript in the child could
    // touch the streams itself.
    const bundled = path.join(dir, 'output.mjs');
    buildSync({ entryPoints: [outputModule], bundle: true, format: 'esm', platform: 'node', outfile: bundled, logLevel: 'silent' });
    const script = path.join(dir, 'child.mjs');
    // Every access to the lazy `process.stdout`/`process.stderr` getters is recorded; the report goes out by
    // fd 3 so that reporting does not touch them either.
    writeFileSync(
      script,
      `import { writeSync } from 'node:fs';
const touched = [];
for (const name of ['stdout', 'stderr']) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, { configurable: true, enumerable: own.enumerable, get() { touched.push(name); return own.get.call(process); } });
}
const { writeLine } = await import(${JSON.stringify(pathToFileURL(bundled).href)});
writeLine('stdout', 'first');
writeLine('stderr', 'a warning');
writeLine('stdout', 'x'.repeat(300000));
writeLine('stdout', 'last ü');
writeSync(3, JSON.stringify(touched));
`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`first\n${'x'.repeat(300000)}\nlast ü\n`);
    expect(run.stderr).toBe('a warning\n');
    expect(JSON.parse(String(run.output[3]))).toEqual([]);
  });

  it('writes the rest of a line a write took only part of', async () => {
    const written: string[] = [];
    fsCalls.fake = (fd, buffer, offset, length) => {
      const taken = Math.min(length, 4);
      written.push(`${fd}:${Buffer.from(buffer.subarray(offset, offset + taken)).toString('utf8')}`);
      return taken;
    };
    const { writeLine } = await import('../../shared/observability/output');

    writeLine('stderr', 'partial-write');

    expect(written).toEqual(['2:part', '2:ial-', '2:writ', '2:e\n']);
  });

  it('hands the rest to the stream when the descriptor answers EAGAIN, and queues that stream’s later lines behind it', async () => {
    const calls: number[] = [];
    let answers = [5, 'EAGAIN'] as (number | string)[];
    fsCalls.fake = (fd) => {
      calls.push(fd);
      const answer = answers.shift();
      if (answer === 'EAGAIN') throw errno('EAGAIN');
      return typeof answer === 'number' ? answer : 1_000;
    };
    const toStdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      toStdout.push(Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    });
    const { writeLine } = await import('../../shared/observability/output');

    writeLine('stdout', 'first line');
    writeLine('stdout', 'second line');
    answers = [1_000];
    writeLine('stderr', 'stderr still direct');

    expect(toStdout).toEqual([' line\n', 'second line\n']);
    expect(calls).toEqual([1, 1, 2]);
  });

  it('lets any other write failure through', async () => {
    fsCalls.fake = () => {
      throw errno('EBADF');
    };
    const { writeLine } = await import('../../shared/observability/output');

    expect(() => writeLine('stdout', 'lost')).toThrow('EBADF');
  });

  it('gives captured lines to the test instead of the output, and routes the logger by level', async () => {
    const descriptors: number[] = [];
    fsCalls.fake = (fd, _buffer, _offset, length) => {
      descriptors.push(fd);
      return length;
    };
    const { captureLines } = await import('../../shared/observability/output');
    const { JsonLogger } = await import('../../shared/observability/logger');
    const logger = new JsonLogger('svc-test', {});
    const seen: string[] = [];

    const restore = captureLines((stream, line) => seen.push(`${stream} ${JSON.parse(line).message}`));
    logger.info('to stdout');
    logger.warn('to stderr');
    restore();
    logger.error('after the capture');

    expect(seen).toEqual(['stdout to stdout', 'stderr to stderr']);
    expect(descriptors).toEqual([2]);
  });

  it('keeps the capture hook for tests: no code outside tests/ calls it', () => {
    const root = path.resolve(__dirname, '../..');
    const callers = ['shared', 'functions', 'infra', 'local', 'ops', 'bench']
      .flatMap((folder) => readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' }).map((file) => path.join(folder, file)))
      .filter((file) => /\.(?:ts|mts|mjs|js)$/.test(file) && !file.includes('node_modules') && !file.includes('.work'))
      .filter((file) => readFileSync(path.join(root, file), 'utf8').includes('captureLines'));
    expect(callers).toEqual([path.join('shared', 'observability', 'output.ts')]);
  });
});
