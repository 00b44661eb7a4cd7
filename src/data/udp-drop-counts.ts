// Client datagrams a worker dropped, by Service port and cause, counted in plain numbers and added
// to the shared table when the UDP sweep flushes (once a second, and when a port or the worker
// goes): a drop flood costs a local increment per datagram, not a 64-bit shared add. Worker thread.
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { UDP_DROP_CAUSES as CAUSES, type UdpDropCause } from '../shared/endpoint-table-layout.ts';

export class UdpDropCounts {
  private readonly byPort = new Map<number, Float64Array>();

  get pending(): boolean { return this.byPort.size > 0; }

  add(index: number, cause: UdpDropCause): void {
    let counts = this.byPort.get(index);
    if (!counts) this.byPort.set(index, counts = new Float64Array(CAUSES.length));
    counts[CAUSES.indexOf(cause)]++;
  }

  flushTo(table: EndpointTable): void {
    for (const [index, counts] of this.byPort) {
      for (let c = 0; c < CAUSES.length; c++) table.countUdpDrops(index, CAUSES[c], counts[c]);
    }
    this.byPort.clear();
  }
}
