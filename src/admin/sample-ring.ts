// The clock of the status history: a fixed number of sample times in a ring, oldest overwritten.
// Every series the sampler keeps is an array of the same length written at the same position, so
// one ring position is one moment across all of them. Main thread.

export class SampleRing {
  readonly capacity: number;
  readonly times: Float64Array;
  /** Samples held (≤ capacity). */
  size = 0;
  /** Position the next sample is written at. */
  private next = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
  }

  /** Takes the next position for a sample at `time` and returns it. */
  advance(time: number): number {
    const at = this.next;
    this.times[at] = time;
    this.next = (at + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    return at;
  }

  /** Ring positions of the samples newer than `since` (ms), oldest first. */
  positionsSince(since: number): number[] {
    const out: number[] = [];
    const first = (this.next - this.size + this.capacity) % this.capacity;
    for (let k = 0; k < this.size; k++) {
      const at = (first + k) % this.capacity;
      if (this.times[at] > since) out.push(at);
    }
    return out;
  }
}

/** A series array for a ring, NaN (no value) everywhere: a port or endpoint that appears mid-window
 *  has no past. */
export function emptySeries(capacity: number): Float64Array {
  return new Float64Array(capacity).fill(NaN);
}
