// A bounded queue read as an async iterator: what arrives while nobody reads waits, up to a capacity;
// past it the oldest entries are dropped and counted, so a client that stops reading never grows.

/** A bounded, ordered stream of items with any number of readers taking turns. */
export class EventStream<T> {
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #waiters: ((result: IteratorResult<T, undefined>) => void)[] = [];
  #ended = false;
  #dropped = 0;
  #pushed = 0;

  /** @param capacity entries kept for readers, at least 1. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`event buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Entries dropped because the buffer was full (oldest first). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Entries pushed in total. */
  get pushed(): number {
    return this.#pushed;
  }

  /** Entries waiting for a reader. */
  get buffered(): number {
    return this.#items.length - this.#head;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Adds an entry: straight to a waiting reader, else to the buffer (dropping the oldest when full). */
  push(item: T): void {
    if (this.#ended) return;
    this.#pushed++;
    const waiter = this.#waiters.shift();
    if (waiter) return waiter({ done: false, value: item });
    if (this.buffered >= this.capacity) {
      this.#head++;
      this.#dropped++;
    }
    this.#items.push(item);
    this.#compact();
  }

  /** No more entries will come: readers get what is buffered, then the end. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ done: true, value: undefined });
  }

  /** The next entry, waiting for one if needed; `done` once ended and drained. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffered > 0) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      this.#compact();
      return Promise.resolve({ done: false, value });
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * An iterator over the stream. Leaving a `for await` loop early stops that iterator only: the stream
   * keeps buffering for the next reader.
   */
  iterate(): AsyncIterableIterator<T> {
    let stopped = false;
    const iterator: AsyncIterableIterator<T> = {
      next: () => stopped ? Promise.resolve({ done: true, value: undefined }) : this.next(),
      return: () => {
        stopped = true;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Drops consumed slots once they make up half the array, keeping pushes and takes O(1) amortised. */
  #compact(): void {
    if (this.#head > 64 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
