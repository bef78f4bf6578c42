/** A FIFO with O(1) amortised push/shift/unshift and no copying on shift (head index). */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  unshift(v: T): void {
    if (this.head > 0) this.items[--this.head] = v;
    else this.items.unshift(v);
  }
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  peekLast(): T | undefined {
    return this.items.length > this.head ? this.items[this.items.length - 1] : undefined;
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  pop(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items.pop();
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return v;
  }
  clear(): T[] {
    const out = this.toArray();
    this.items = [];
    this.head = 0;
    return out;
  }
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
