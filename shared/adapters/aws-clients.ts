/**
 * AWS SDK clients, created once per container and reused across invocations (connection reuse matters for
 * Lambda latency). Each getter is separate so a bundle only pulls in the clients its function uses.
 *
 * `AWS_ENDPOINT_URL` points every client at the local emulator (moto, or LocalStack if the developer set
 * it); in AWS it is unset and the SDK's regional endpoints apply.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A client, or a getter of one that an adapter calls when it first sends a request. Adapters on a side path (a
 * request of their function may well never use them: app events, Pluggy category feedback, a redelivery delay)
 * default to the getter, because constructing a client is not free: in a bundle built as the stack builds it,
 * constructing the SQS and EventBridge clients next to a DynamoDB one added 6-7 ms to a 75-88 ms cold start
 * (`npm run bench` machine, paired runs). Adapters every request of their function uses take the client when
 * they are built, during the function's initialisation.
 */
export type ClientSource<Client extends object> = Client | (() => Client);

export function clientFrom<Client extends object>(source: ClientSource<Client>): Client {
  return typeof source === 'function' ? source() : source;
}

function clientOptions(): { region: string; endpoint?: string } {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return endpoint ? { region, endpoint } : { region };
}

let documentClient: DynamoDBDocumentClient | undefined;
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions()), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

let kms: KMSClient | undefined;
export function kmsClient(): KMSClient {
  kms ??= new KMSClient(clientOptions());
  return kms;
}

let sqs: SQSClient | undefined;
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient(clientOptions());
  return sqs;
}

let secretsManager: SecretsManagerClient | undefined;
export function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= new SecretsManagerClient(clientOptions());
  return secretsManager;
}

let eventBridge: EventBridgeClient | undefined;
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient(clientOptions());
  return eventBridge;
}
