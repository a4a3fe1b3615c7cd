/**
 * Minimal line logger for the local sandboxes.
 *
 * The sandboxes are developer tooling, not Lambda code, so they write short human-readable lines to stderr
 * instead of going through the service's JSON logger. Callers pass method, path, status and ids only: request
 * bodies (which carry tokens and account numbers) are never logged.
 */
export interface SandboxLog {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLog: SandboxLog = {
  info: () => undefined,
  warn: () => undefined,
};

/** A logger that prefixes every line with the sandbox name, e.g. `[plaid-sandbox] POST /item/get 200`. */
export function consoleLog(name: string): SandboxLog {
  return {
    info: (message) => process.stderr.write(`[${name}] ${message}\n`),
    warn: (message) => process.stderr.write(`[${name}] WARN ${message}\n`),
  };
}
