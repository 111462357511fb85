// A FIFO over an array with a moving head: O(1) push/shift without Array.prototype.shift's copying. A shifted
// slot is cleared at once: the queue must not keep what it handed out alive (the log cache's records hold
// payloads, and a compaction only every 1024 shifts kept up to 1024 of them past their eviction).
export class ArrayQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
