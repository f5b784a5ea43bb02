/**
 * "What already happened, then what happens next" — the one way a stream of
 * events is served to a client that may have missed some (a subscription, an
 * SSE stream, a resume after a dropped connection).
 *
 * The order matters and is written only here: listen first, then read what
 * is stored, so an event published between the two is never lost; every live
 * event then goes through `admit`, which drops the ones already sent and can
 * put missing ones (read again from the store) before it; the stream ends
 * after the first event for which `ends` is true, and the subscription is
 * always released.
 *
 * `seqCursor` is the admit rule for events numbered 1, 2, 3… (chat runs,
 * batches, eval transcripts): nothing at or below the last seq sent, and a
 * gap filled from the store.
 */

export interface StoredThenLive<E> {
  /** Live events; subscribed before `stored` is called. */
  live: AsyncIterable<E>;
  /** What already happened, in order (read after listening). */
  stored: () => Promise<Iterable<E>> | Iterable<E>;
  /** For each event (stored or live): the events to send for it, in order (none: drop it). Default: the event itself. */
  admit?: (e: E, phase: 'stored' | 'live') => Promise<E[]> | E[];
  /** True for the stream's last event. */
  ends: (e: E) => boolean;
  /**
   * Asked once after the stored events (when none of them ended the stream):
   * events that end it now without waiting on live ones (for example the rest
   * of a run that finished while nobody published), or null to go live.
   */
  settled?: () => Promise<E[] | null>;
}

export async function* storedThenLive<E>(source: StoredThenLive<E>): AsyncGenerator<E> {
  const live = source.live[Symbol.asyncIterator]();
  let next = live.next(); // listening before anything stored is read
  const admit = source.admit ?? ((e: E) => [e]);
  try {
    for (const stored of await source.stored()) {
      for (const e of await admit(stored, 'stored')) {
        yield e;
        if (source.ends(e)) return;
      }
    }
    const rest = source.settled ? await source.settled() : null;
    if (rest) {
      for (const e of rest) {
        yield e;
        if (source.ends(e)) return;
      }
      return;
    }
    for (;;) {
      const { value, done } = await next;
      if (done) return;
      next = live.next();
      for (const e of await admit(value, 'live')) {
        yield e;
        if (source.ends(e)) return;
      }
    }
  } finally {
    // Not awaited past the first step when a stream is cancelled mid-wait: `return()` releases the subscription.
    await live.return?.();
  }
}

export interface SeqCursor<E> {
  /** The last seq sent; starts at the client's `afterSeq`. */
  readonly last: number;
  /** The admit rule: drops what was sent, fills a gap before a live event from the store. */
  admit: (e: E, phase: 'stored' | 'live') => Promise<E[]>;
}

/**
 * Events numbered 1, 2, 3…: an event at or below the last one sent is a
 * repeat and dropped; a live event further ahead than the next one means some
 * were missed (published while the store was read, or lost with a process
 * that died after storing them), and `between(last, seq)` reads them back.
 */
export function seqCursor<E>(afterSeq: number, seqOf: (e: E) => number, between: (afterSeq: number, beforeSeq: number) => Promise<E[]>): SeqCursor<E> {
  let last = afterSeq;
  return {
    get last() {
      return last;
    },
    async admit(e, phase) {
      const seq = seqOf(e);
      if (seq <= last) return [];
      const out: E[] = [];
      if (phase === 'live' && seq > last + 1) {
        for (const missed of await between(last, seq)) {
          const s = seqOf(missed);
          if (s > last && s < seq) out.push(missed), (last = s);
        }
      }
      out.push(e);
      last = seq;
      return out;
    },
  };
}
