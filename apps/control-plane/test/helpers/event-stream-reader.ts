// Reads a Server-Sent Events response in tests: events (name and JSON data) and comment lines, as they come.
export interface ReadEvent {
  /** The event's name, or "comment" for a `:` line (a heartbeat), or "retry". */
  event: string;
  data: unknown;
}

export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  readonly #queue: ReadEvent[] = [];
  /** A read still in flight when a `next` timed out: the next call waits on it, so its chunk is not lost. */
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** True once the server ended the stream. */
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next event or comment, or undefined once the stream ended; throws after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<ReadEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length === 0) {
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      this.#pending ??= this.#reader.read();
      const read = await Promise.race([
        this.#pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left);
        }),
      ]).finally(() => clearTimeout(timer));
      this.#pending = undefined;
      if (read.done) this.ended = true;
      else this.#parse(this.#decoder.decode(read.value, { stream: true }));
    }
    return this.#queue.shift();
  }

  /** The next event named `name` (others skipped), or a failure after `timeoutMs`. */
  async nextEvent(name: string, timeoutMs = 5_000): Promise<ReadEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await this.next(Math.max(1, deadline - Date.now()));
      if (e === undefined) throw new Error(`the stream ended before a ${name} event`);
      if (e.event === name) return e;
    }
  }

  /**
   * One event of each of `names`, in whatever order they come (others skipped): for events that separate
   * feeds send (a cluster's look and its operations), whose order the stream does not promise.
   */
  async eventsOf(names: readonly string[], timeoutMs = 5_000): Promise<Map<string, ReadEvent>> {
    const deadline = Date.now() + timeoutMs;
    const got = new Map<string, ReadEvent>();
    while (got.size < names.length) {
      const left = names.filter((n) => !got.has(n));
      const e = await this.next(Math.max(1, deadline - Date.now())).catch((error: Error) => {
        throw new Error(`${error.message}: still waiting for ${left.join(", ")}`);
      });
      if (e === undefined) throw new Error(`the stream ended before ${left.join(", ")}`);
      if (left.includes(e.event)) got.set(e.event, e);
    }
    return got;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }

  #parse(text: string): void {
    this.#buffer += text;
    for (let end = this.#buffer.indexOf("\n\n"); end >= 0; end = this.#buffer.indexOf("\n\n")) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) this.#queue.push({ event: "comment", data: line.slice(1).trim() });
        else if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
        else if (line.startsWith("retry: "))
          this.#queue.push({ event: "retry", data: Number(line.slice(7)) });
      }
      if (data.length > 0) this.#queue.push({ event, data: JSON.parse(data.join("\n")) });
    }
  }
}
