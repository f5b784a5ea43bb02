/**
 * A chat's SSE stream read to its end: ms from `t0` until its first `delta` event reached the client
 * (`onFirst` is called then). Throws when the stream had no delta.
 */
export async function sseFirstDelta(res: Response, t0: number, onFirst?: () => void): Promise<number> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    if (!first && /(^|\n)event: delta\n/.test(buf)) (first = performance.now() - t0), onFirst?.();
  }
  if (!first) throw new Error(`sse: no delta in ${buf.slice(0, 300)}`);
  return first;
}
