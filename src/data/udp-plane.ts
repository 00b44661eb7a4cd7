// The UDP half of a data-plane worker: its UDP listeners and flows. A client datagram is looked up
// in the flow table by (listener, address, port); a miss opens a flow (source range, usable
// endpoints, --max-udp-flows, then a pick by the Service port's balancer with ClientIP affinity,
// and a connected upstream socket), a hit whose endpoint is no longer usable ends that flow and
// opens a new one, so the datagram always goes to a usable endpoint. Replies come back on the
// flow's upstream socket and leave through the listener the client sent to. Flows end after
// their idle timeout, when their endpoint leaves the Service port or stops being usable (the idle
// sweep checks every flow), on ICMP port unreachable, and when their listener, Service port or
// worker goes.
//
// Per datagram this allocates nothing of its own (Node allocates the datagram's Buffer and the
// sender's address object): the flow table keys on parsed address words, counters are plain
// fields flushed to the shared table at a flow's end and once a second, and the send request
// object is reused unless the kernel queued the datagram. Worker thread only.
import { constants as osConstants } from 'node:os';
import type { EndpointPicker } from '../shared/endpoint-picker-api.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import type { UdpDropCause } from '../shared/endpoint-table-layout.ts';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS, type ListenerSpec } from '../shared/messages.ts';
import { isLocalUvError } from './local-errors.ts';
import { rawErrorName } from './raw-tcp.ts';
import { rawUdp, type RemoteInfo, type SendReq, type UdpHandle } from './raw-udp.ts';
import { UdpFlow, flowEndReason, type UdpFlowEnd } from './udp-flow.ts';
import { UdpFlowTable } from './udp-flow-table.ts';
import { UdpListener } from './udp-listener.ts';
import { UdpDropCounts } from './udp-drop-counts.ts';

export interface UdpPlaneOptions {
  workerId: number;
  table: EndpointTable;
  picker: EndpointPicker;
  /** Global limit on live flows (--max-udp-flows); 0 = none. */
  maxFlows: number;
  /** Bind listeners with SO_REUSEPORT (every worker binds each UDP listener). */
  reusePort: boolean;
  /** SO_RCVBUF asked for on listeners; 0 = the kernel default. */
  recvBufferBytes: number;
  /** The access-log sink of the moment (it can be switched off and on), or null. */
  accessLog: () => ((line: string) => void) | null;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const NO_TRIES: readonly number[] = [];
const UV_ECONNREFUSED = -osConstants.errno.ECONNREFUSED;
/** While draining, a flow idle this long has had its answer: it ends rather than wait out its timeout. */
const DRAIN_IDLE_MS = 1000;
const FLUSH_MS = 1000;
const UPSTREAM_WARN_MS = 10_000;
/** ICMP refusals from one endpoint count as failures (toward passive ejection) at most this often
 *  per worker: a client still sending after the endpoint's port closed gets a refusal per datagram
 *  (each ending the flow and the next opening one), and a burst of them is one event, not the
 *  consecutive failures that would eject the endpoint — for TCP too, since a slot is an ip:port.
 *  A port that keeps refusing for a few seconds is ejected; every refused flow moves at once. */
const REFUSAL_FAILURE_MS = 1000;

export class UdpPlane {
  private readonly o: UdpPlaneOptions;
  private readonly listeners = new Map<string, UdpListener>();
  private readonly flows = new UdpFlowTable<UdpFlow>();
  private readonly byPort = new Map<number, Set<UdpFlow>>();
  private readonly drops = new UdpDropCounts();
  /** Per slot: when a refusal last counted as a failure on this worker. */
  private readonly refusalCounted = new Map<number, number>();
  private readonly list: Uint8Array[] = [Buffer.alloc(0)];
  private req: SendReq;
  private readonly SendWrap: new () => SendReq;
  private readonly UDP: new () => UdpHandle;
  private nextNum = 0;
  private clock = performance.now();
  private lastFlush = this.clock;
  private lastUpstreamWarn = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = Infinity;
  private draining = false;
  private drained: (() => void) | null = null;

  constructor(o: UdpPlaneOptions) {
    this.o = o;
    const b = rawUdp();
    // Without the binding listen() fails (SY_UDP_UNAVAILABLE) before any of these is used.
    this.SendWrap = b?.SendWrap ?? class { buffer = null; };
    this.UDP = b?.UDP ?? (class {} as unknown as new () => UdpHandle);
    this.req = new this.SendWrap();
  }

  get flowCount(): number { return this.flows.size; }
  has(id: string): boolean { return this.listeners.has(id); }

  /** Binds `spec` (concrete port); throws with the errno name as `code`. */
  listen(spec: ListenerSpec): void {
    if (this.listeners.has(spec.id)) return;
    const l = UdpListener.bind(this.nextNum++, spec, { reusePort: this.o.reusePort, recvBufferBytes: this.o.recvBufferBytes });
    l.handle.owner = l;
    l.handle.onmessage = this.onClient;
    l.handle.recvStart();
    this.listeners.set(spec.id, l);
    this.schedule();
  }

  /** Closes the listener at once: its flows can no longer reply, so they end with it. */
  unlisten(id: string): boolean {
    const l = this.listeners.get(id);
    if (!l) return false;
    this.listeners.delete(id);
    l.close();
    for (const f of [...this.byPort.get(l.servicePortIndex) ?? []]) if (f.listener === l) this.end(f, 'listener-closed');
    return true;
  }

  /** A new snapshot of the Service port is installed: flows to endpoints it no longer has end now. */
  servicePortChanged(index: number): void {
    const set = this.byPort.get(index);
    if (!set || set.size === 0) return;
    const keep = new Set(this.o.picker.servicePort(index)?.endpoints.map((e) => e.slot) ?? []);
    for (const f of [...set]) if (!keep.has(f.slot)) this.end(f, 'endpoint-removed');
    this.schedule();
  }

  /** Before the picker forgets the Service port (its name is still there for the access log). */
  removeServicePort(index: number): void {
    for (const f of [...this.byPort.get(index) ?? []]) this.end(f, 'service-port-removed');
    this.drops.flushTo(this.o.table);
  }

  /** No new flows; live ones end once idle DRAIN_IDLE_MS (or their shorter timeout), all at
   *  `timeoutMs`; then the listeners close. Resolves when that is done. */
  drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.reschedule();
    const done = new Promise<void>((resolve) => { this.drained = resolve; });
    const endAll = () => { for (const set of [...this.byPort.values()]) for (const f of [...set]) this.end(f, 'drained'); this.checkDrained(); };
    if (timeoutMs <= 0) endAll();
    else { setTimeout(endAll, timeoutMs).unref(); this.checkDrained(); }
    return done;
  }

  // ---- per datagram ----

  private readonly onClient = (nread: number, handle: UdpHandle, buf: Buffer | undefined, rinfo: RemoteInfo | undefined): void => {
    // An unconnected socket reports no ICMP errors; a negative nread here is a receive error.
    if (nread < 0 || buf === undefined || rinfo === undefined) return;
    const l = handle.owner as UdpListener;
    let flow = this.flows.get(l.num, rinfo.address, rinfo.port);
    if (flow !== undefined && !this.o.picker.flowUsable(flow.servicePortIndex, flow.slot)) {
      this.end(flow, 'endpoint-unusable');
      flow = undefined;
    }
    if (flow === undefined) {
      flow = this.open(l, rinfo.address, rinfo.port);
      if (flow === undefined) return;
    }
    flow.datagramsIn++;
    flow.bytesIn += buf.length;
    flow.touched = true;
    this.list[0] = buf;
    const r = flow.upstream.send(this.req, this.list, 1, false);
    if (r === 0) this.queued(buf);
    else if (r === UV_ECONNREFUSED) this.refused(flow);
    // ENOBUFS and the like are this machine's: dropped and counted, never held against the endpoint.
    else if (r < 0) this.drop(flow.servicePortIndex, isLocalUvError(r) ? 'localError' : 'upstreamError');
  };

  private readonly onUpstream = (nread: number, handle: UdpHandle, buf: Buffer | undefined): void => {
    const flow = handle.owner as UdpFlow;
    if (flow.ended) return;
    if (nread < 0) {
      // A connected UDP socket reports the endpoint's ICMP port unreachable as ECONNREFUSED.
      if (nread === UV_ECONNREFUSED) this.refused(flow);
      else this.end(flow, 'upstream-error');
      return;
    }
    if (buf === undefined) return;
    if (!flow.replied) {
      flow.replied = true;
      this.o.picker.connectSucceeded(flow.slot);
      this.refusalCounted.delete(flow.slot);
    }
    flow.datagramsOut++;
    flow.bytesOut += buf.length;
    flow.touched = true;
    this.list[0] = buf;
    if (flow.listener.reply(this.req, this.list, flow.clientPort, flow.clientAddress) === 0) this.queued(buf);
  };

  /** The kernel queued the datagram: `req` now owns it until the send completes; use a fresh one. */
  private queued(buf: Buffer): void {
    this.req.buffer = buf;
    this.req = new this.SendWrap();
  }

  private refused(flow: UdpFlow): void {
    const now = performance.now();
    const last = this.refusalCounted.get(flow.slot);
    const failure = last === undefined || now - last >= REFUSAL_FAILURE_MS;
    if (failure) this.refusalCounted.set(flow.slot, now);
    this.o.picker.icmpRefused(flow.slot, failure);
    this.end(flow, 'icmp-refused');
  }

  // ---- flows ----

  private open(l: UdpListener, address: string, port: number): UdpFlow | undefined {
    const index = l.servicePortIndex;
    const { picker } = this.o;
    if (this.draining || l.closed) return this.drop(index, 'draining');
    if (l.allowSource !== null && !l.allowSource(address)) return this.drop(index, 'sourceRange');
    if (!picker.hasUsable(index)) return this.drop(index, 'noEndpoints');
    if (!picker.tryAdmitFlow(index, this.o.maxFlows)) return this.drop(index, 'maxFlows');
    const pick = picker.pick(index, address, NO_TRIES);
    if (pick === null) { picker.releaseFlow(index); return this.drop(index, 'noEndpoints'); }
    const upstream = new this.UDP();
    const err = pick.host.includes(':') ? upstream.connect6(pick.host, pick.port) : upstream.connect(pick.host, pick.port);
    if (err !== 0) {
      upstream.close();
      picker.releaseFlow(index);
      // Not the endpoint's failure either way (no passive-health count): EMFILE, ENOBUFS, no local
      // port are this machine's (local_error); anything else is upstream_error.
      const local = isLocalUvError(err);
      const now = performance.now();
      if (now - this.lastUpstreamWarn > UPSTREAM_WARN_MS) {
        this.lastUpstreamWarn = now;
        this.o.log('warn', `worker ${this.o.workerId}: cannot open a UDP socket to ${pick.host}:${pick.port} (${rawErrorName(err)}); datagrams are dropped ` +
          (local ? '(counted as local_error): this machine is short of descriptors, buffers or local ports; raise the open-file limit or lower --max-udp-flows'
            : '(counted as upstream_error)'));
      }
      return this.drop(index, local ? 'localError' : 'upstreamError');
    }
    const flow = new UdpFlow(l, address, port, pick, upstream, this.clock);
    upstream.owner = flow;
    upstream.onmessage = this.onUpstream;
    upstream.recvStart();
    picker.opened(index, pick.slot);
    this.o.table.workerFlowOpened(this.o.workerId);
    this.flows.set(l.num, address, port, flow);
    let set = this.byPort.get(index);
    if (!set) {
      this.byPort.set(index, set = new Set());
      // The first flow of a port with a shorter idle timeout than the sweep is paced for.
      if (this.interval() < this.timerMs) this.reschedule();
    }
    set.add(flow);
    l.flows++;
    return flow;
  }

  private end(flow: UdpFlow, why: UdpFlowEnd): void {
    if (flow.ended) return;
    flow.ended = true;
    const l = flow.listener;
    const index = flow.servicePortIndex;
    const { picker, table } = this.o;
    this.flows.delete(l.num, flow.clientAddress, flow.clientPort, flow);
    const set = this.byPort.get(index);
    set?.delete(flow);
    if (set?.size === 0) this.byPort.delete(index);
    l.flows--;
    flow.upstream.recvStop();
    flow.upstream.close();
    picker.closed(index, flow.slot);
    picker.releaseFlow(index);
    table.workerFlowClosed(this.o.workerId);
    flow.flushTo(table);
    table.countFlowEnd(index, flowEndReason(why));
    const now = performance.now();
    table.observe(index, 'duration', (now - flow.started) / 1000);
    const log = this.o.accessLog();
    if (log !== null) log(flow.logLine(why, picker.servicePort(index)?.name ?? String(index), now));
    if (this.draining) this.checkDrained();
  }

  private drop(index: number, cause: UdpDropCause): undefined {
    this.drops.add(index, cause);
    this.schedule();
    return undefined;
  }

  // ---- the sweep: idle expiry, usability, metrics ----

  private schedule(): void {
    if (this.timer !== null) return;
    this.timerMs = this.interval();
    this.timer = setTimeout(this.sweep, this.timerMs);
    this.timer.unref();
  }

  private reschedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.schedule();
  }

  /** An eighth of the shortest idle timeout among live flows' ports (a flow then ends between its
   *  timeout and a quarter past it), between 20 ms and 1 s. */
  private interval(): number {
    let min = Infinity;
    for (const index of this.byPort.keys()) min = Math.min(min, this.idleMs(index));
    return Math.max(20, Math.min(FLUSH_MS, min / 8));
  }

  private idleMs(index: number): number {
    const idle = this.o.picker.servicePort(index)?.options.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
    return this.draining ? Math.min(idle, DRAIN_IDLE_MS) : idle;
  }

  private readonly sweep = (): void => {
    this.timer = null;
    this.timerMs = Infinity;
    const now = performance.now();
    this.clock = now;
    const flush = now - this.lastFlush >= FLUSH_MS;
    for (const [index, set] of [...this.byPort]) {
      const idle = this.idleMs(index);
      for (const f of [...set]) {
        if (f.touched) { f.touched = false; f.lastSeen = now; }
        else if (now - f.lastSeen >= idle) { this.end(f, 'idle'); continue; }
        if (!this.o.picker.flowUsable(index, f.slot)) { this.end(f, 'endpoint-unusable'); continue; }
        if (flush) f.flushTo(this.o.table);
      }
    }
    if (flush) { this.drops.flushTo(this.o.table); this.lastFlush = now; }
    if (this.byPort.size > 0 || this.drops.pending) this.schedule();
  };

  private checkDrained(): void {
    if (!this.draining || this.flows.size > 0 || this.drained === null) return;
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
    this.drops.flushTo(this.o.table);
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    this.timerMs = Infinity;
    const resolve = this.drained;
    this.drained = null;
    resolve();
  }
}
