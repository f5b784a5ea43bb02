/** Chat run events: numbered from 1 per run, stored, and published on `chat.run` keyed by run id. */
export type ChatRunEventType = 'delta' | 'done' | 'error' | 'cancelled';

export interface ChatRunEventPayload {
  runId: string;
  seq: number;
  type: ChatRunEventType;
  data: {
    text?: string;
    message?: string;
    model?: string;
    usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
    /** For `error`: what the client may see, and the status a REST caller gets. */
    error?: string;
    status?: number;
  };
}

export const TERMINAL: ReadonlySet<ChatRunEventType> = new Set(['done', 'error', 'cancelled']);
