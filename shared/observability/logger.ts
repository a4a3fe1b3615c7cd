/**
 * The one structured logger every function shares (Powertools Logger, JSON to stdout).
 *
 * A redacting formatter runs over every log item, so a token or account number that slips into a message or
 * an attribute is masked before it is written; see `./redaction`. Correlation ids (`request_id`, `user_id`,
 * `connection_id`, `provider`) are appended with {@link withLogContext} by the handler wrappers.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redact, redactString } from './redaction';

class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactString(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    const extra: LogAttributes = {};
    for (const [key, value] of Object.entries(additional)) {
      extra[key] = value instanceof Error ? redact(this.formatError(value)) : (redact(value) as LogAttributes[string]);
    }
    return new LogItem({ attributes: base }).addAttributes(extra);
  }
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'open-banking',
  logFormatter: new RedactingLogFormatter(),
});

export interface LogContext {
  request_id?: string;
  user_id?: string;
  connection_id?: string;
  provider?: string;
  sync_run_id?: string;
  message_id?: string;
  event_id?: string;
}

/** Adds correlation ids to every line logged until {@link clearLogContext} (called per invocation). */
export function withLogContext(context: LogContext): void {
  const defined = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  logger.appendKeys(defined);
}

export function clearLogContext(): void {
  logger.resetKeys();
}
