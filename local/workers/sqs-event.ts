/**
 * SQS messages in the shape the Lambda SQS event source hands to a function
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event), and the
 * reading of the function's partial-batch answer
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting).
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** System attributes Lambda copies into `record.attributes` (FIFO ones only exist on FIFO queues). */
const RECORD_ATTRIBUTE_NAMES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

export interface QueueIdentity {
  readonly arn: string;
  readonly region: string;
}

/** `arn:aws:sqs:<region>:<account>:<name>` → its region. */
export function queueIdentity(arn: string): QueueIdentity {
  const region = arn.split(':')[3];
  if (!region) throw new Error(`Not an SQS queue ARN: ${arn}`);
  return { arn, region };
}

export function sqsRecord(message: Message, queue: QueueIdentity): SQSRecord {
  if (!message.MessageId || !message.ReceiptHandle) throw new Error('SQS returned a message without id or receipt handle');
  const attributes: Record<string, string> = {};
  for (const name of RECORD_ATTRIBUTE_NAMES) {
    const value = message.Attributes?.[name];
    if (value !== undefined) attributes[name] = value;
  }
  const record: SQSRecord = {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecordAttributes,
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/**
 * Lambda renames the SQS API's attribute fields to camelCase, always includes the (unused) list fields,
 * and carries binary values base64-encoded.
 */
function lambdaMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, SQSMessageAttribute> {
  const converted: Record<string, SQSMessageAttribute> = {};
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    const value: SQSMessageAttribute = {
      stringListValues: [],
      binaryListValues: [],
      dataType: (attribute.DataType ?? 'String') as SQSMessageAttribute['dataType'],
    };
    if (attribute.StringValue !== undefined) value.stringValue = attribute.StringValue;
    if (attribute.BinaryValue !== undefined) value.binaryValue = Buffer.from(attribute.BinaryValue).toString('base64');
    converted[name] = value;
  }
  return converted;
}

export function sqsEvent(records: readonly SQSRecord[]): SQSEvent {
  return { Records: [...records] };
}

/**
 * Which messages of the batch failed, read the way Lambda reads a `ReportBatchItemFailures` response:
 * no response, an empty response or an empty/null `batchItemFailures` means every message succeeded; an
 * entry whose `itemIdentifier` is missing, empty or not a message of this batch makes the whole batch fail.
 */
export function failedMessageIds(result: unknown, records: readonly SQSRecord[]): ReadonlySet<string> {
  const everyMessage = new Set(records.map((record) => record.messageId));
  if (result === undefined || result === null) return new Set();
  if (typeof result !== 'object' || Array.isArray(result)) return everyMessage;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return everyMessage;
  const failed = new Set<string>();
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof identifier !== 'string' || !everyMessage.has(identifier)) return everyMessage;
    failed.add(identifier);
  }
  return failed;
}
