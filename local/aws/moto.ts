/**
 * The local AWS emulator: a moto server (DynamoDB, KMS, SQS, Secrets Manager) run from a project-owned
 * Python venv, so a fresh clone needs nothing but `python3` on the PATH.
 *
 * - {@link ensureMotoInstalled} creates `.venv-moto/` (git-ignored) with the exact `moto[server]` pinned in
 *   `local/aws/requirements-moto.txt`, and does nothing when that pin is already installed.
 * - {@link startLocalAws} returns an endpoint to talk to: `AWS_ENDPOINT_URL` when the developer set one
 *   (LocalStack, a shared moto, ...), whatever already listens on the moto port, or a moto server it starts.
 *
 * Several project processes may share one server (a test run while `npm run dev` is up, two test runs).
 * The server is started detached; `<tmpdir>/open-banking-local-aws/moto-<port>.pid` records it, and
 * `moto-<port>.users/` beside it holds one file per process using it. `stop()` releases the caller's use, and the server is terminated when the
 * last user of a server the project started lets go, so no run pulls the server from under another.
 * A `persistent` server (`npm run aws:up`) is only stopped by `tsx local/aws/moto-cli.ts stop`.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const venvDir = path.join(projectRoot, '.venv-moto');
const requirementsFile = path.join(projectRoot, 'local', 'aws', 'requirements-moto.txt');
const installStampFile = path.join(venvDir, '.requirements.sha256');
/** Per checkout, like the venv it guards (`.local/` is git-ignored). */
const installLockDir = path.join(projectRoot, '.local', 'moto-venv.lock');
/**
 * Bookkeeping of running servers, per port and per machine rather than per checkout: a server on 4566 is
 * shared by every checkout that talks to it (a CI clone next to a working copy, say), so all of them must
 * see the same users list.
 */
const serverStateDir = path.join(tmpdir(), 'open-banking-local-aws');

/** moto 5.2 declares `Requires-Python >=3.10`. */
const minimumPython = { major: 3, minor: 10 } as const;

export type LogLine = (line: string) => void;
const toStderr: LogLine = (line) => process.stderr.write(`[local-aws] ${line}\n`);

export interface MotoAddress {
  readonly host: string;
  readonly port: number;
}

/** `MOTO_HOST` / `MOTO_PORT` move the server; the default is the port LocalStack and most tools expect. */
export function motoAddressFromEnv(env: NodeJS.ProcessEnv = process.env): MotoAddress {
  const host = env.MOTO_HOST?.trim() || '127.0.0.1';
  const port = Number(env.MOTO_PORT ?? 4566);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`MOTO_PORT must be a TCP port number, got "${env.MOTO_PORT}"`);
  }
  return { host, port };
}

export function motoEndpoint(address: MotoAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}

function venvExecutable(name: string): string {
  return process.platform === 'win32'
    ? path.join(venvDir, 'Scripts', `${name}.exe`)
    : path.join(venvDir, 'bin', name);
}

/** The exact moto version `requirements-moto.txt` pins. */
export function pinnedMotoVersion(): string {
  const match = /^\s*moto(?:\[[^\]]*\])?\s*==\s*([^\s#;]+)/m.exec(readFileSync(requirementsFile, 'utf8'));
  if (!match?.[1]) throw new Error(`${requirementsFile} must pin moto exactly (moto[server]==X.Y.Z)`);
  return match[1];
}

interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

function runCommand(command: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

function requirementsDigest(): string {
  return createHash('sha256').update(readFileSync(requirementsFile)).digest('hex');
}

async function installedMotoVersion(): Promise<string | null> {
  const python = venvExecutable('python');
  if (!existsSync(python)) return null;
  const result = await runCommand(
    python,
    ['-c', 'import importlib.metadata as m; print(m.version("moto"))'],
    30_000,
  ).catch(() => null);
  return result?.code === 0 ? result.output.trim() : null;
}

async function isInstalled(digest: string): Promise<boolean> {
  if (!existsSync(venvExecutable('moto_server')) || !existsSync(installStampFile)) return false;
  if (readFileSync(installStampFile, 'utf8').trim() !== digest) return false;
  return (await installedMotoVersion()) === pinnedMotoVersion();
}

async function checkSystemPython(): Promise<void> {
  let result: CommandResult;
  try {
    result = await runCommand('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], 30_000);
  } catch {
    throw new Error(
      'python3 was not found on the PATH. The offline AWS stack runs moto from a Python venv: install Python ' +
        `${minimumPython.major}.${minimumPython.minor}+ (with the venv module), or set AWS_ENDPOINT_URL to an ` +
        'emulator that is already running.',
    );
  }
  const [major, minor] = result.output.trim().split('.').map(Number);
  if (result.code !== 0 || major === undefined || minor === undefined) {
    throw new Error(`python3 did not report its version:\n${lastLines(result.output)}`);
  }
  if (major < minimumPython.major || (major === minimumPython.major && minor < minimumPython.minor)) {
    throw new Error(
      `python3 is ${major}.${minor}; moto ${pinnedMotoVersion()} needs ${minimumPython.major}.${minimumPython.minor}+`,
    );
  }
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * A directory as a cross-process lock (mkdir is atomic). Its `owner` file names the holding process; a lock
 * whose owner died, or that is older than `staleAfterMs`, is taken over.
 */
async function withDirectoryLock<T>(
  lockDir: string,
  staleAfterMs: number,
  onWait: () => void,
  work: () => Promise<T>,
): Promise<T> {
  const giveUpAt = Date.now() + staleAfterMs + 5_000;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'owner'), `${process.pid}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (!lock) continue;
      const ownerFile = path.join(lockDir, 'owner');
      const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8').trim()) : NaN;
      const ownerGone = Number.isInteger(owner) && owner > 0 && !isAlive(owner);
      if (ownerGone || Date.now() - lock.mtimeMs > staleAfterMs) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > giveUpAt) throw new Error(`Timed out waiting for the lock ${lockDir}`);
      if (!waited) onWait();
      waited = true;
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Makes sure `.venv-moto/` holds the pinned moto and returns the path of its `moto_server` executable.
 * Cheap when nothing changed (one short Python call); otherwise creates or updates the venv (about 40 s on
 * a fresh machine: moto[server] pulls in Flask, cryptography and cfn-lint).
 *
 * @example
 * const motoServer = await ensureMotoInstalled();
 */
export async function ensureMotoInstalled(options: { log?: LogLine } = {}): Promise<string> {
  const log = options.log ?? toStderr;
  const digest = requirementsDigest();
  if (await isInstalled(digest)) return venvExecutable('moto_server');

  // Long enough for the slowest install: a dev server and a test run started together on a fresh clone must
  // not both pip-install into the same venv.
  const onWait = () => log('another process is installing moto; waiting for it');
  return withDirectoryLock(installLockDir, 10 * 60_000, onWait, async () => {
    if (await isInstalled(digest)) return venvExecutable('moto_server');
    const version = pinnedMotoVersion();
    const started = Date.now();
    if (!existsSync(venvExecutable('python'))) {
      await checkSystemPython();
      log(`creating ${path.relative(projectRoot, venvDir)}/ (python3 -m venv)`);
      const created = await runCommand('python3', ['-m', 'venv', venvDir], 120_000);
      if (created.code !== 0) {
        throw new Error(
          `python3 -m venv failed (on Debian/Ubuntu install the python3-venv package):\n${lastLines(created.output)}`,
        );
      }
    }
    log(`installing moto[server]==${version} into ${path.relative(projectRoot, venvDir)}/`);
    const installed = await runCommand(
      venvExecutable('python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '-r', requirementsFile],
      10 * 60_000,
    );
    if (installed.code !== 0) {
      throw new Error(`pip install of moto[server]==${version} failed:\n${lastLines(installed.output)}`);
    }
    const reported = await installedMotoVersion();
    if (reported !== version) {
      throw new Error(`After pip install the venv reports moto ${reported ?? '(none)'}, expected ${version}`);
    }
    writeFileSync(installStampFile, `${digest}\n`);
    log(`moto ${version} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return venvExecutable('moto_server');
  });
}

/** True when anything answers HTTP at `endpoint` (moto answers `/moto-api/` with 200; other emulators with 4xx). */
export async function endpointAnswers(endpoint: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(new URL('/moto-api/', endpoint), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on the address (it may still be starting up). */
function portInUse(address: MotoAddress): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Terminates the server's whole process group, escalating to SIGKILL if it ignores SIGTERM for 5 s. */
async function terminate(pid: number): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      // The server was spawned detached, so it leads its own process group: `-pid` reaches all of it.
      process.kill(process.platform === 'win32' ? pid : -pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup('SIGKILL');
}

/** `shared`: stopped when its last user leaves. `persistent`: only stopped on request (`moto-cli stop`). */
type ServerMode = 'shared' | 'persistent';

interface ServerRecord {
  readonly pid: number;
  readonly mode: ServerMode;
}

function serverFiles(address: MotoAddress) {
  mkdirSync(serverStateDir, { recursive: true });
  const base = path.join(serverStateDir, `moto-${address.port}`);
  return { record: `${base}.pid`, users: `${base}.users`, log: `${base}.log`, startLock: `${base}.start.lock` };
}

/** The project-started server on this port, or null when there is none (or it has died). */
function readServerRecord(address: MotoAddress): ServerRecord | null {
  const file = serverFiles(address).record;
  if (!existsSync(file)) return null;
  const [pidText, mode] = readFileSync(file, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    rmSync(file, { force: true });
    return null;
  }
  return { pid, mode: mode === 'persistent' ? 'persistent' : 'shared' };
}

function writeServerRecord(address: MotoAddress, record: ServerRecord): void {
  writeFileSync(serverFiles(address).record, `${record.pid} ${record.mode}\n`);
}

function registerUser(address: MotoAddress): void {
  const users = serverFiles(address).users;
  mkdirSync(users, { recursive: true });
  writeFileSync(path.join(users, String(process.pid)), '');
}

/** Users other than this process that are still alive; files of dead users are removed on the way. */
function otherLiveUsers(address: MotoAddress): number {
  const users = serverFiles(address).users;
  if (!existsSync(users)) return 0;
  let live = 0;
  for (const name of readdirSync(users)) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && isAlive(pid)) live++;
    else rmSync(path.join(users, name), { force: true });
  }
  return live;
}

export interface LocalAwsEndpoint {
  /** Base URL for every AWS client (`AWS_ENDPOINT_URL`). */
  readonly endpoint: string;
  /** Whether this call started the server (informational: `stop()` decides by the users left). */
  readonly startedHere: boolean;
  /**
   * Releases this process's use. Terminates the server only if the project started it, it is not
   * persistent, and no other live process uses it. Never touches a server named by `AWS_ENDPOINT_URL`.
   */
  stop(): Promise<void>;
}

export interface StartLocalAwsOptions {
  readonly address?: MotoAddress;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the endpoint to answer. */
  readonly readyTimeoutMs?: number;
  /** Keep the server after this process exits (`npm run aws:up`); a reused shared server is promoted. */
  readonly persistent?: boolean;
  readonly log?: LogLine;
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number, gaveUp: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await endpointAnswers(endpoint)) return;
    const reason = gaveUp();
    if (reason) throw new Error(reason);
    await sleep(150);
  }
  throw new Error(`${endpoint} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

const noServerOfOurs = async () => {};

/**
 * An AWS endpoint for local work, starting moto only when nothing is there yet.
 *
 * @example
 * const aws = await startLocalAws();
 * try { await provisionLocalAws({ endpoint: aws.endpoint }); } finally { await aws.stop(); }
 */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAwsEndpoint> {
  const env = options.env ?? process.env;
  const log = options.log ?? toStderr;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  const preset = env.AWS_ENDPOINT_URL?.trim();
  if (preset) {
    await waitUntilAnswering(preset, Math.min(readyTimeoutMs, 10_000), () => null).catch(() => {
      throw new Error(`AWS_ENDPOINT_URL is set to ${preset} but nothing answers there; start that emulator or unset it`);
    });
    log(`using AWS_ENDPOINT_URL=${preset}`);
    return { endpoint: preset, startedHere: false, stop: noServerOfOurs };
  }

  const address = options.address ?? motoAddressFromEnv(env);
  const endpoint = motoEndpoint(address);
  const files = serverFiles(address);
  // Install outside the start lock (it can take a minute), and only when the port is free: a server that is
  // already there (LocalStack on 4566, say) needs no Python at all.
  const motoServer = (await portInUse(address)) ? null : await ensureMotoInstalled({ log });
  const mode: ServerMode = options.persistent ? 'persistent' : 'shared';

  // Serialises check-then-start, so two processes starting together end up sharing one server.
  const onWait = () => log(`another process is starting moto on ${endpoint}; waiting for it`);
  const started = await withDirectoryLock(files.startLock, readyTimeoutMs + 15_000, onWait, async () => {
    if (await portInUse(address)) {
      await waitUntilAnswering(endpoint, readyTimeoutMs, () => null).catch(() => {
        throw new Error(
          `Something listens on ${address.host}:${address.port} but does not answer HTTP; stop it or choose another MOTO_PORT`,
        );
      });
      const record = readServerRecord(address);
      if (record && mode === 'persistent' && record.mode !== 'persistent') writeServerRecord(address, { ...record, mode });
      if (record && mode === 'shared') registerUser(address);
      log(`reusing the server already answering at ${endpoint}`);
      return false;
    }
    await spawnMoto(motoServer ?? (await ensureMotoInstalled({ log })), address, env, mode, readyTimeoutMs, log);
    if (mode === 'shared') registerUser(address);
    return true;
  });

  const stop = async () => {
    await withDirectoryLock(files.startLock, 20_000, () => {}, async () => {
      rmSync(path.join(files.users, String(process.pid)), { force: true });
      const record = readServerRecord(address);
      if (!record || record.mode === 'persistent' || otherLiveUsers(address) > 0) return;
      await terminate(record.pid);
      rmSync(files.record, { force: true });
    });
  };
  return { endpoint, startedHere: started, stop: mode === 'shared' ? stop : noServerOfOurs };
}

async function spawnMoto(
  motoServer: string,
  address: MotoAddress,
  env: NodeJS.ProcessEnv,
  mode: ServerMode,
  readyTimeoutMs: number,
  log: LogLine,
): Promise<void> {
  const files = serverFiles(address);
  const endpoint = motoEndpoint(address);
  const logFd = openSync(files.log, 'w');
  const startedAt = Date.now();
  // The project's launcher (see moto_server.py for why) runs on the venv's Python, next to moto_server.
  const python = path.join(path.dirname(motoServer), process.platform === 'win32' ? 'python.exe' : 'python');
  const launcher = path.join(projectRoot, 'local', 'aws', 'moto_server.py');
  const child = spawn(python, [launcher, '-H', address.host, '-p', String(address.port)], {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    // The launcher forces this too; passing it here keeps the intent visible where the server is started.
    env: { ...env, PYTHONUNBUFFERED: '1', MOTO_DISABLE_GLOBAL_CORS: 'true' },
  });
  closeSync(logFd);
  let exitCode: number | null | undefined;
  let spawnError: Error | undefined;
  child.on('exit', (code) => (exitCode = code));
  child.on('error', (error) => (spawnError = error));
  const pid = child.pid;

  try {
    if (pid === undefined) throw spawnError ?? new Error(`could not start ${motoServer}`);
    writeServerRecord(address, { pid, mode });
    await waitUntilAnswering(endpoint, readyTimeoutMs, () => {
      if (spawnError) return `moto_server could not be started: ${spawnError.message}`;
      if (exitCode !== undefined) {
        return `moto_server exited with code ${exitCode} before answering:\n${lastLines(readFileSync(files.log, 'utf8'))}`;
      }
      return null;
    });
  } catch (error) {
    if (pid !== undefined && isAlive(pid)) await terminate(pid);
    rmSync(files.record, { force: true });
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Local AWS (moto) failed to start on ${endpoint}: ${detail}\nServer log: ${files.log}`);
  }
  // Let a short-lived caller (npm run aws:up) exit while the server keeps running.
  child.unref();
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`moto started on ${endpoint} in ${seconds} s (pid ${pid}, log ${files.log})`);
}

/**
 * Stops the moto server the project started on `address`, whoever uses it. Returns false when there was none.
 */
export async function stopStartedMoto(address: MotoAddress = motoAddressFromEnv()): Promise<boolean> {
  const files = serverFiles(address);
  const record = readServerRecord(address);
  rmSync(files.record, { force: true });
  rmSync(files.users, { recursive: true, force: true });
  if (!record) return false;
  await terminate(record.pid);
  return true;
}
