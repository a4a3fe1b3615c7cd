/**
 * Where the logger and the metrics emitter put their lines: whole lines written straight to file descriptor 1
 * (stdout) or 2 (stderr) with a synchronous `write`.
 *
 * Lambda collects the function process's stdout and stderr into its log group
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html), EMF records included: what it reads is
 * the descriptors, not Node's stream objects. `process.stdout` is only a wrapper Node builds the first time it
 * is touched (for a pipe, a socket, which loads `node:net`), about 2 ms of every cold start before the first
 * answer. `fs.writeSync` writes to the same descriptor without building it; Node's own stdout writes files and
 * pipes synchronously on Linux too (https://nodejs.org/api/process.html#a-note-on-process-io), so the log
 * group receives the same lines in the same order.
 *
 * Each line is written whole before the call returns (a write may take only part of a long line; the rest
 * follows at once), so two of these lines never interleave. A descriptor made non-blocking (Node does that to
 * a pipe once something builds `process.stdout` over it) answers EAGAIN while its pipe is full; from then on
 * that descriptor's lines go through Node's stream, which queues them behind the rest of the line, so nothing
 * is lost or reordered.
 */
import { writeSync } from 'node:fs';

export type OutputStream = 'stdout' | 'stderr';

/** Receives each line (ending with `\n`) instead of the process's output; see {@link captureLines}. */
export type LineSink = (stream: OutputStream, line: string) => void;

const descriptors: Record<OutputStream, number> = { stdout: 1, stderr: 2 };

/** Streams whose descriptor answered EAGAIN once: their later lines queue behind what the stream still holds. */
const queued = new Set<OutputStream>();

interface Capture {
  readonly sink: LineSink;
  readonly echo: boolean;
}

const captures: Capture[] = [];

/** Writes `line` and a newline to stdout or stderr, in one piece. */
export function writeLine(stream: OutputStream, line: string): void {
  const text = `${line}\n`;
  if (captures.length > 0) {
    for (const capture of captures) capture.sink(stream, text);
    if (!captures.every((capture) => capture.echo)) return;
  }
  if (queued.has(stream)) {
    process[stream].write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(descriptors[stream], bytes, offset, bytes.length - offset);
    } catch (error) {
      // Any other failure (a closed descriptor) is as fatal as it would be on Node's stream.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      queued.add(stream);
      process[stream].write(bytes.subarray(offset));
      return;
    }
  }
}

/**
 * Tests only: every line written from now on goes to `sink` (and, with `echo`, still to the process's output)
 * until the returned function is called. Captures nest; a line reaches the output only if all active ones echo.
 */
export function captureLines(sink: LineSink, options: { readonly echo?: boolean } = {}): () => void {
  const capture: Capture = { sink, echo: options.echo ?? false };
  captures.push(capture);
  return () => {
    const index = captures.indexOf(capture);
    if (index >= 0) captures.splice(index, 1);
  };
}
