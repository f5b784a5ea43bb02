/**
 * Chat run events: numbered from 1 per run, stored, and published on
 * `chat.run` keyed by run id.
 *   delta       {text}
 *   tool_call   {name, arguments}          (secrets masked)
 *   tool_result {name, ok, summary}        (secrets masked)
 *   done        {message, usage, model}
 *   error       {error}                    (a safe message)
 *   cancelled   {message}                  (what was written before the stop)
 */
export type ChatRunEventType = 'delta' | 'tool_call' | 'tool_result' | 'done' | 'error' | 'cancelled';

export interface ChatRunEventPayload {
  runId: string;
  seq: number;
  type: ChatRunEventType;
  data: {
    text?: string;
    name?: string;
    arguments?: unknown;
    ok?: boolean;
    summary?: string;
    message?: string;
    model?: string;
    usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
    /** For `error`: what the client may see, and the status a REST caller gets. */
    error?: string;
    status?: number;
  };
}

export const TERMINAL: ReadonlySet<ChatRunEventType> = new Set(['done', 'error', 'cancelled']);
