/**
 * Min-heap of (due time, key). Entries are never removed early: the owner of
 * the heap checks each popped entry against its own record of when the key is
 * really due and drops stale ones, which keeps rescheduling O(log n) with no
 * index bookkeeping.
 */
export class DueHeap {
  #at: number[] = [];
  #keys: string[] = [];

  get size(): number {
    return this.#at.length;
  }

  push(at: number, key: string): void {
    const a = this.#at;
    const k = this.#keys;
    let i = a.length;
    a.push(at);
    k.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= at) break;
      a[i] = a[parent]!;
      k[i] = k[parent]!;
      i = parent;
    }
    a[i] = at;
    k[i] = key;
  }

  /** Pops the earliest key if it is due at or before `now`. */
  popDue(now: number): string | undefined {
    const a = this.#at;
    if (a.length === 0 || a[0]! > now) return undefined;
    const k = this.#keys;
    const top = k[0]!;
    const lastAt = a.pop()!;
    const lastKey = k.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r]! < a[l]! ? r : l;
        if (a[c]! >= lastAt) break;
        a[i] = a[c]!;
        k[i] = k[c]!;
        i = c;
      }
      a[i] = lastAt;
      k[i] = lastKey;
    }
    return top;
  }
}
