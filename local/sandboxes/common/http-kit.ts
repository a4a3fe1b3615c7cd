/**
 * node:http plumbing shared by the provider sandboxes: body reading, JSON replies, listening and closing.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body; rejects with {@link BodyTooLargeError} past `limitBytes`. */
export function readRawBody(request: IncomingMessage, limitBytes = 5 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new BodyTooLargeError(limitBytes));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false };

export function parseJson(raw: Buffer): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Writes a JSON reply. `indent` mirrors providers that pretty-print (Plaid answers with 2-space indented JSON).
 */
export function sendJson(response: ServerResponse, status: number, body: unknown, indent?: number, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, indent);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * Matches a request path against a template with `{name}` segments and returns the captured values
 * (URI-decoded), or undefined when the path does not fit.
 *
 * @example
 * matchPathTemplate('/items/{id}', '/items/5e9f8f8f'); // { id: '5e9f8f8f' }
 */
export function matchPathTemplate(template: string, path: string): Record<string, string> | undefined {
  const templateSegments = template.split('/');
  const pathSegments = path.split('/');
  if (templateSegments.length !== pathSegments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < templateSegments.length; index += 1) {
    const expected = templateSegments[index] as string;
    const actual = pathSegments[index] as string;
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (actual === '') return undefined;
      try {
        params[expected.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ListeningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a node:http server on `host:port` (port 0 picks a free one) and resolves once it listens.
 *
 * @example
 * const listening = await listen(handler, { host: '127.0.0.1', port: 0 });
 * await listening.close();
 */
export function listen(handler: RequestListener, options: { host: string; port: number }): Promise<ListeningServer> {
  const server = createServer(handler);
  // Keep-alive sockets from SDK clients would otherwise hold close() open until they time out.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        server,
        host: options.host,
        port: address.port,
        url: `http://${options.host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
