/**
 * The console's live feed of app events: the local gateway's Server-Sent Events stream (`GET /dev/events`),
 * read with the browser's EventSource like an app would read any SSE feed. Each message is the event the
 * service published: `{id, type, timestamp, user_id, data}`, named by its type in the `event:` line.
 *
 * EventSource reconnects on its own after a dropped connection; `onState` tells the view whether the feed is
 * live, so the panel can say so (and a test can wait for it before causing events).
 */
export interface AppEventMessage {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly user_id: string | null;
  readonly data: Record<string, unknown>;
}

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface EventFeed {
  close(): void;
}

/** Subscribes to `url` for the named event `types`; `onEvent` gets each well-formed event once per delivery. */
export function openEventFeed(
  url: string,
  types: readonly string[],
  onEvent: (event: AppEventMessage) => void,
  onState: (state: FeedState) => void,
): EventFeed {
  const source = new EventSource(url);
  onState('connecting');
  source.onopen = () => onState('live');
  // readyState CONNECTING after an error means the browser retries by itself; CLOSED means it gave up.
  source.onerror = () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  const deliver = (message: MessageEvent<string>) => {
    const event = parseEvent(message.data);
    if (event) onEvent(event);
  };
  for (const type of types) source.addEventListener(type, deliver);
  return {
    close: () => {
      source.close();
      onState('closed');
    },
  };
}

function parseEvent(raw: string): AppEventMessage | null {
  try {
    const event = JSON.parse(raw) as Partial<AppEventMessage>;
    if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.timestamp !== 'string') return null;
    const data = typeof event.data === 'object' && event.data !== null ? event.data : {};
    return { id: event.id, type: event.type, timestamp: event.timestamp, user_id: event.user_id ?? null, data };
  } catch {
    return null;
  }
}

/** What the rest of the console reloads after an event of this type. */
export function affectedViews(type: string): { connections: boolean; data: boolean } {
  switch (type) {
    case 'sync.completed':
      return { connections: true, data: true };
    case 'transactions.changed':
      return { connections: false, data: true };
    case 'connection.status_changed':
    case 'consent.expiring':
    case 'institution.status_changed':
      return { connections: true, data: false };
    default:
      return { connections: false, data: false };
  }
}

/** One line about the event's data, for the events list. */
export function eventSummary(event: AppEventMessage): string {
  const data = event.data;
  const bank = institutionName(data);
  switch (event.type) {
    case 'sync.completed':
      return `${bank}: sync ${text(data.outcome)} (${counts(data.counts)})`;
    case 'transactions.changed':
      return `${bank}: ${counts(data.counts)}`;
    case 'connection.status_changed': {
      const step = record(data.next_step);
      return `${bank}: ${text(data.old_status)} → ${text(data.new_status)}${step && typeof step.message === 'string' ? ` · ${step.message}` : ''}`;
    }
    case 'consent.expiring':
      return `${bank}: access ends ${text(data.expires_at).slice(0, 10)} (${text(data.days_left)} days left)`;
    case 'institution.status_changed':
      return `${bank} (${text(data.provider)}): ${text(data.old_status)} → ${text(data.new_status)}`;
    default: {
      const json = JSON.stringify(data);
      return json.length > 120 ? `${json.slice(0, 119)}…` : json;
    }
  }
}

function institutionName(data: Record<string, unknown>): string {
  const institution = record(data.institution);
  if (institution && typeof institution.name === 'string') return institution.name;
  if (institution && typeof institution.id === 'string') return institution.id;
  return 'Bank';
}

function counts(value: unknown): string {
  const known = record(value);
  if (!known) return 'no counts';
  return `+${text(known.added)} ~${text(known.modified)} −${text(known.removed)}`;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '—' : String(value);
}
