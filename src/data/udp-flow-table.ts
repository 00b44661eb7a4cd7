// The UDP flows of one data-plane worker by key (listener, client address, client port), looked up
// once per client datagram. Keyed without building a string: the address the datagram came with
// is parsed into four 32-bit words (IPv4 as its IPv4-mapped IPv6 form, so a dual-stack listener's
// `::ffff:1.2.3.4` and `1.2.3.4` are one client), hashed with the listener id and port, and looked
// up by open addressing with linear probing over an Int32Array; deletion shifts the following
// entries back, so no tombstones accumulate. A lookup allocates nothing (bench/udp-flow-lookup.ts
// measures it). Worker thread only; no shared memory.
import { parseClientAddress } from '../balancers/client-address.ts';

const EMPTY = -1;
// Key words per entry: listener id, address words 0..3, port.
const K = 6;
const MIN_CAPACITY = 64;

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return h ^ (h >>> 15);
}

export class UdpFlowTable<T> {
  private keys: Int32Array;
  private values: (T | undefined)[];
  private mask: number;
  private count = 0;
  private readonly addr = new Int32Array(4);

  constructor(initialCapacity = MIN_CAPACITY) {
    let c = MIN_CAPACITY;
    while (c < initialCapacity) c *= 2;
    this.keys = new Int32Array(c * K).fill(EMPTY);
    this.values = new Array<T | undefined>(c).fill(undefined);
    this.mask = c - 1;
  }

  get size(): number { return this.count; }

  /** The flow of `port` at `address` on `listener` (an id >= 0), or undefined. */
  get(listener: number, address: string, port: number): T | undefined {
    if (!parseClientAddress(address, this.addr)) return undefined;
    const e = this.find(listener, port);
    return e < 0 ? undefined : this.values[e];
  }

  /** Adds or replaces; false when `address` is not an IP address. */
  set(listener: number, address: string, port: number, value: T): boolean {
    if (!parseClientAddress(address, this.addr)) return false;
    let e = this.find(listener, port);
    if (e < 0) {
      if ((this.count + 1) * 2 > this.values.length) {
        this.grow();
        parseClientAddress(address, this.addr); // grow() used the scratch words
      }
      e = this.freeEntryFor(listener, port);
      const b = e * K;
      const a = this.addr;
      this.keys[b] = listener; this.keys[b + 1] = a[0]; this.keys[b + 2] = a[1]; this.keys[b + 3] = a[2]; this.keys[b + 4] = a[3]; this.keys[b + 5] = port;
      this.count++;
    }
    this.values[e] = value;
    return true;
  }

  /** Removes the entry if it holds `value` (a newer flow under the same key stays). */
  delete(listener: number, address: string, port: number, value: T): boolean {
    if (!parseClientAddress(address, this.addr)) return false;
    const e = this.find(listener, port);
    if (e < 0 || this.values[e] !== value) return false;
    this.removeAt(e);
    return true;
  }

  /** Every word is mixed in on its own (multiply, then fold the high bits down): client ports and
   *  addresses often rise together, and XOR-ing them before mixing would cancel their low bits. */
  private hash(listener: number, port: number): number {
    const a = this.addr;
    let h = mix(0x2545f491, listener);
    h = mix(h, port);
    h = mix(h, a[3]);
    h = mix(h, a[2]);
    h = mix(h, a[1]);
    h = mix(h, a[0]);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return (h ^ (h >>> 13)) >>> 0;
  }

  /** The entry holding the key in this.addr, or -1. */
  private find(listener: number, port: number): number {
    const keys = this.keys;
    const a = this.addr;
    const mask = this.mask;
    for (let e = this.hash(listener, port) & mask; ; e = (e + 1) & mask) {
      const b = e * K;
      const l = keys[b];
      if (l === EMPTY) return -1;
      if (l === listener && keys[b + 5] === port && keys[b + 4] === a[3] && keys[b + 3] === a[2] && keys[b + 2] === a[1] && keys[b + 1] === a[0]) return e;
    }
  }

  private freeEntryFor(listener: number, port: number): number {
    const mask = this.mask;
    let e = this.hash(listener, port) & mask;
    while (this.keys[e * K] !== EMPTY) e = (e + 1) & mask;
    return e;
  }

  /** Backward-shift deletion: every entry after the hole whose home is not between the hole and it
   *  moves into the hole, so each key stays reachable from its home without tombstones. */
  private removeAt(hole: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = hole;
    for (let j = (hole + 1) & mask; keys[j * K] !== EMPTY; j = (j + 1) & mask) {
      for (let w = 0; w < 4; w++) this.addr[w] = keys[j * K + 1 + w];
      const home = this.hash(keys[j * K], keys[j * K + 5]) & mask;
      // j's home lies cyclically in (i, j]: it is still reachable with i empty, leave it.
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      keys.copyWithin(i * K, j * K, j * K + K);
      this.values[i] = this.values[j];
      i = j;
    }
    keys[i * K] = EMPTY;
    this.values[i] = undefined;
    this.count--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldValues.length * 2;
    this.keys = new Int32Array(capacity * K).fill(EMPTY);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (let e = 0; e < oldValues.length; e++) {
      const b = e * K;
      if (oldKeys[b] === EMPTY) continue;
      for (let w = 0; w < 4; w++) this.addr[w] = oldKeys[b + 1 + w];
      const to = this.freeEntryFor(oldKeys[b], oldKeys[b + 5]);
      this.keys.set(oldKeys.subarray(b, b + K), to * K);
      this.values[to] = oldValues[e];
    }
  }
}
