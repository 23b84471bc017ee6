/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export class Progress {
  readonly enabled: boolean;
  #step = 0;
  #label = '';
  #fraction = 0;
  #last = 0;
  readonly #t0 = performance.now();

  constructor(
    private readonly total: number,
    enabled = process.stderr.isTTY === true,
  ) {
    this.enabled = enabled;
  }

  /** Start step `label` (1-based counting is done here). */
  step(label: string): void {
    this.#step++;
    this.#label = label;
    this.#fraction = 0;
    this.draw(true);
  }

  update(fraction: number): void {
    this.#fraction = Math.max(0, Math.min(1, fraction));
    this.draw(false);
  }

  /** A line of its own above the bar. */
  log(line: string): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${line}\n`);
    this.draw(true);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const t = performance.now();
    if (!force && t - this.#last < 100) return;
    this.#last = t;
    const width = 24;
    const overall = this.total ? (this.#step - 1 + this.#fraction) / this.total : 1;
    const filled = Math.round(overall * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const elapsed = ((t - this.#t0) / 1000).toFixed(0);
    const cols = process.stderr.columns ?? 100;
    const line = `${bar} ${this.#step}/${this.total} ${this.#label} ${Math.round(this.#fraction * 100)}% · ${elapsed}s`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
  }
}
