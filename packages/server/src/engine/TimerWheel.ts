/** Something the wheel can hold: it remembers its own slot so it can move in O(1). */
export interface WheelItem {
  wheelSlot: number;
}

/**
 * A coarse timer for many items that each have one deadline, used for the
 * websocket heartbeats of every locally attached session. A `setTimeout` per
 * socket costs ~150 bytes and a timer-list entry each; here an idle socket
 * costs one Set entry and the wheel runs a single unref'd interval.
 */
export class TimerWheel<T extends WheelItem> {
  readonly resolution: number;
  #slots = new Map<number, Set<T>>();
  #next = 0;
  #timer: NodeJS.Timeout | null = null;
  #onDue: (item: T, now: number) => void;

  constructor(resolution: number, onDue: (item: T, now: number) => void) {
    this.resolution = Math.max(1, Math.floor(resolution));
    this.#onDue = onDue;
  }

  start(): void {
    if (this.#timer) return;
    this.#next = Math.floor(Date.now() / this.resolution);
    this.#timer = setInterval(() => this.tick(Date.now()), this.resolution);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#slots.clear();
  }

  /** (Re)schedules `item` to fire at or shortly after `at`. */
  schedule(item: T, at: number): void {
    this.cancel(item);
    let slot = Math.ceil(at / this.resolution);
    if (slot < this.#next) slot = this.#next;
    let set = this.#slots.get(slot);
    if (!set) this.#slots.set(slot, (set = new Set()));
    set.add(item);
    item.wheelSlot = slot;
  }

  cancel(item: T): void {
    if (item.wheelSlot === 0) return;
    const set = this.#slots.get(item.wheelSlot);
    if (set) {
      set.delete(item);
      if (set.size === 0) this.#slots.delete(item.wheelSlot);
    }
    item.wheelSlot = 0;
  }

  tick(now: number): void {
    const last = Math.floor(now / this.resolution);
    for (; this.#next <= last; this.#next++) {
      const set = this.#slots.get(this.#next);
      if (!set) continue;
      this.#slots.delete(this.#next);
      for (const item of set) {
        item.wheelSlot = 0;
        this.#onDue(item, now);
      }
    }
  }
}
