// One UDP flow on a data-plane worker: a client address:port on one listener, the endpoint its first
// datagram was given, and the connected upstream socket that carries its datagrams there and its
// replies back. Plain state and per-flow counters; udp-plane.ts runs its life. Worker thread only.
import type { PickResult } from '../shared/endpoint-picker-api.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import type { FlowEnd } from '../shared/endpoint-table-layout.ts';
import type { UdpHandle } from './raw-udp.ts';
import type { UdpListener } from './udp-listener.ts';
import { joinHostPort } from '../model/ip-address.ts';

/** Why a flow ended, as the access log says it; flowEndReason() groups them for the metrics. */
export type UdpFlowEnd =
  | 'idle' | 'endpoint-unusable' | 'endpoint-removed' | 'icmp-refused' | 'upstream-error'
  | 'listener-closed' | 'service-port-removed' | 'drained';

export function flowEndReason(end: UdpFlowEnd): FlowEnd {
  switch (end) {
    case 'idle': return 'idle';
    case 'endpoint-unusable': case 'endpoint-removed': return 'endpoint';
    case 'icmp-refused': return 'refused';
    default: return 'closed';
  }
}

export class UdpFlow {
  readonly listener: UdpListener;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly servicePortIndex: number;
  readonly endpoint: PickResult;
  readonly upstream: UdpHandle;
  /** performance.now() at creation. */
  readonly started: number;
  // Counted per datagram in plain fields; added to the shared table at the end and once a second.
  datagramsIn = 0;
  datagramsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  flushedDatagramsIn = 0;
  flushedDatagramsOut = 0;
  flushedBytesIn = 0;
  flushedBytesOut = 0;
  /** A datagram went either way since the last idle sweep (one store per datagram, no clock read). */
  touched = true;
  /** The sweep's clock when it last saw the flow touched. */
  lastSeen: number;
  /** The endpoint answered at least once (its failure count was reset). */
  replied = false;
  ended = false;

  constructor(listener: UdpListener, clientAddress: string, clientPort: number, endpoint: PickResult, upstream: UdpHandle, now: number) {
    this.listener = listener;
    this.clientAddress = clientAddress;
    this.clientPort = clientPort;
    this.servicePortIndex = listener.servicePortIndex;
    this.endpoint = endpoint;
    this.upstream = upstream;
    this.started = now;
    this.lastSeen = now;
  }

  get slot(): number { return this.endpoint.slot; }

  /** Adds what the flow counted since the last flush to the shared table (at its end, and once a
   *  second while it lives: 64-bit shared adds per datagram would cost more than the datagram). */
  flushTo(table: EndpointTable): void {
    table.addDatagrams(this.servicePortIndex, this.slot, this.datagramsIn - this.flushedDatagramsIn, this.datagramsOut - this.flushedDatagramsOut);
    table.addBytes(this.servicePortIndex, this.slot, this.bytesIn - this.flushedBytesIn, this.bytesOut - this.flushedBytesOut);
    this.flushedDatagramsIn = this.datagramsIn;
    this.flushedDatagramsOut = this.datagramsOut;
    this.flushedBytesIn = this.bytesIn;
    this.flushedBytesOut = this.bytesOut;
  }

  /** The access-log line of the ended flow (JSON), beside the TCP connections' lines. */
  logLine(end: UdpFlowEnd, servicePortName: string, now: number): string {
    const ep = this.endpoint;
    return JSON.stringify({
      time: new Date().toISOString(),
      protocol: 'UDP',
      client: joinHostPort(this.clientAddress, this.clientPort),
      listener: joinHostPort(this.listener.address, this.listener.port),
      servicePort: servicePortName,
      endpoint: joinHostPort(ep.host, ep.port),
      endpointName: ep.name,
      datagramsIn: this.datagramsIn, datagramsOut: this.datagramsOut,
      bytesIn: this.bytesIn, bytesOut: this.bytesOut,
      durationMs: Math.round((now - this.started) * 1000) / 1000,
      end,
    });
  }
}
