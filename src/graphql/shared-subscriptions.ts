/**
 * Shared subscription streams. Subscribers that send the same document with
 * the same variables under the same key (a thousand viewers of one agent's
 * reply) get one source stream and one execution per event instead of one
 * each: the first subscriber's subscription runs, and every event's result
 * is handed to each member of its group. Executing the document again for
 * every subscriber and event, through its own chain of async iterators, was
 * most of the server's time per delivered message (bench W5).
 *
 * What stays per subscriber: the envelop hooks before and after (the
 * operation rate limit, metrics, error logging and masking), and its own
 * queue, so a slow socket holds up no one else.
 *
 * A group takes new members only until it has delivered its first event: a
 * later subscriber gets a stream of its own, so it sees everything it would
 * have seen alone (a chatRunEvents subscription replays the stored events
 * after `afterSeq` first). The answer is the same for every member because
 * the key includes the API key and its scopes, and the variables.
 */
import type { Plugin } from '@envelop/core';
import type { DocumentNode, ExecutionArgs, ExecutionResult } from 'graphql';
import type { GraphQLContext } from './builder.js';

type Stream = AsyncIterableIterator<ExecutionResult>;
type SubscribeResult = ExecutionResult | Stream;
type Subscribe = (args: ExecutionArgs) => SubscribeResult | Promise<SubscribeResult>;

const isStream = (r: unknown): r is Stream => typeof r === 'object' && r !== null && Symbol.asyncIterator in r;

/** One subscriber's view of its group's stream: a queue it reads at its own pace. */
class Member implements AsyncIterableIterator<ExecutionResult> {
  private queue: ExecutionResult[] = [];
  private head = 0;
  private waiting: { resolve(r: IteratorResult<ExecutionResult>): void; reject(err: unknown): void } | null = null;
  private finished = false;
  private failure: { error: unknown } | null = null;

  constructor(private readonly leave: (m: Member) => void) {}

  push(result: ExecutionResult) {
    if (this.finished) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: result, done: false });
    } else this.queue.push(result);
  }

  /** The stream ended (with `error` when it failed): the member reads what is queued, then ends too. */
  end(error?: { error: unknown }) {
    if (this.finished) return;
    this.finished = true;
    this.failure = error ?? null;
    if (this.waiting) this.settle(this.waiting);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]!;
      if (this.head === this.queue.length) (this.queue = []), (this.head = 0);
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => {
      if (this.finished) this.settle({ resolve, reject });
      else this.waiting = { resolve, reject };
    });
  }

  private settle(w: { resolve(r: IteratorResult<ExecutionResult>): void; reject(err: unknown): void }) {
    this.waiting = null;
    const failure = this.failure;
    this.failure = null;
    if (failure) w.reject(failure.error);
    else w.resolve({ value: undefined, done: true });
  }

  /** The subscriber stopped (complete, socket closed). */
  return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.finished) {
      this.finished = true;
      this.queue = [];
      this.leave(this);
    }
    this.failure = null;
    if (this.waiting) this.settle(this.waiting);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

class Group {
  readonly members = new Set<Member>();
  /** Delivered its first event: takes no new members. */
  started = false;
  closed = false;
  /** The first subscriber's subscribe: a stream (being pumped) or an error result every member gets. */
  readonly opened: Promise<ExecutionResult | null>;
  private stream: Stream | null = null;

  constructor(args: ExecutionArgs, subscribe: Subscribe, private readonly forget: () => void) {
    this.opened = Promise.resolve()
      .then(() => subscribe(args))
      .then(
        (result) => {
          if (!isStream(result)) {
            this.close();
            return result;
          }
          this.stream = result;
          if (this.closed) void result.return?.();
          else void this.pump(result);
          return null;
        },
        (err) => {
          this.close();
          throw err;
        },
      );
  }

  join(): Member {
    const member = new Member((m) => {
      this.members.delete(m);
      if (!this.members.size) {
        this.close();
        void this.stream?.return?.();
      }
    });
    this.members.add(member);
    return member;
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    this.forget();
  }

  private async pump(stream: Stream) {
    try {
      for await (const result of stream) {
        this.started = true;
        this.forget(); // new subscribers start a stream of their own from now on
        for (const m of this.members) m.push(result);
        if (this.closed) break;
      }
      for (const m of this.members) m.end();
    } catch (error) {
      for (const m of this.members) m.end({ error });
    } finally {
      this.close();
    }
  }
}

/** Envelop plugin; list it last, so that it wraps the subscribe function every other plugin settled on. */
export function useSharedSubscriptions(): Plugin<GraphQLContext> {
  const groups = new WeakMap<DocumentNode, Map<string, Group>>();
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const actor = args.contextValue.actor;
      if (!actor) return;
      const scopes = [...actor.scopes].sort().join(' ');
      const key = [actor.keyId, actor.agentId ?? '', scopes, args.operationName ?? '', JSON.stringify(args.variableValues ?? {})].join('\u0000');
      setSubscribeFn(async (subscribeArgs: ExecutionArgs) => {
        let byKey = groups.get(subscribeArgs.document);
        if (!byKey) groups.set(subscribeArgs.document, (byKey = new Map()));
        let group = byKey.get(key);
        if (!group || group.started || group.closed) {
          const created: Group = new Group(subscribeArgs, subscribeFn as Subscribe, () => {
            if (byKey.get(key) === created) byKey.delete(key);
          });
          byKey.set(key, (group = created));
        }
        const member = group.join();
        const error = await group.opened.catch((err) => {
          void member.return();
          throw err;
        });
        if (error) {
          void member.return();
          return error;
        }
        return member;
      });
    },
  };
}
