/**
 * The DynamoDB commands the shared document client sends while `work` runs, by command name
 * (`PutItemCommand`, `BatchGetItemCommand`, ...): for tests that assert how many requests an operation takes.
 */
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';

let installed = 0;

export async function commandsSentDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const stack = dynamoDocumentClient().middlewareStack;
  const name = `commands-sent-${++installed}`;
  stack.add(
    (next, context) => async (args) => {
      seen.push(String(context.commandName));
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
