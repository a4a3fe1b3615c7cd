/**
 * The DynamoDB commands the shared document client sends while `work` runs, by command name
 * (`PutItemCommand`, `BatchGetItemCommand`, ...): for tests that assert how many requests an operation takes.
 */
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';

let installed = 0;

export interface SentCommand {
  readonly command: string;
  /** The command's input as the document client received it (keys, expressions, items). */
  readonly input: unknown;
}

export async function commandsSentDuring(work: () => Promise<void>): Promise<string[]> {
  return (await commandInputsSentDuring(work)).map((sent) => sent.command);
}

/** Each command with its input: for tests that assert which rows an operation reads or writes. */
export async function commandInputsSentDuring(work: () => Promise<void>): Promise<SentCommand[]> {
  const seen: SentCommand[] = [];
  const stack = dynamoDocumentClient().middlewareStack;
  const name = `commands-sent-${++installed}`;
  stack.add(
    (next, context) => async (args) => {
      seen.push({ command: String(context.commandName), input: args.input });
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await work();
  } finally {
    stack.remove(name);
  }
  return seen;
}
