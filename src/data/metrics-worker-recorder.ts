// The data-plane side of the metrics: what one worker thread records into the shared endpoint table.
// Runs on a worker thread, hence under src/data/; the main thread reads and renders the same
// counters (src/admin/metrics-snapshot.ts). Only the table knows the layout. Nothing here sends a
// message per connection.
//
// Bytes: the splice already counts each connection's bytes in plain locals; adding them to shared
// 64-bit counters per chunk would cost a BigInt allocation and atomic RMWs on every read, some
// thirty times the local add (docs/architecture.md, Metrics).
// Instead each open connection's bytes are added when it closes, and every `flushIntervalMs` the
// recorder adds the delta of every connection still open, so long transfers show up on the status
// page while they run. Cost: 4 Atomics per connection plus one pass over open connections a second.
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import type { EndpointTable } from '../shared/endpoint-table.ts';

/** One open connection's byte account; `read` returns the splice's running totals. */
export interface TrafficAccount {
  readonly servicePortIndex: number;
  readonly slot: number;
  read(): { bytesIn: number; bytesOut: number };
  flushedIn: number;
  flushedOut: number;
}

export interface WorkerMetricsRecorder {
  /** A connect attempt succeeded after `seconds`. */
  connected(servicePortIndex: number, seconds: number): void;
  connectFailed(servicePortIndex: number): void;
  /** An attempt after the first for one client connection. */
  retried(servicePortIndex: number): void;
  opened(account: TrafficAccount): void;
  /** The connection ended; `bytesIn`/`bytesOut` are its final totals. */
  closed(account: TrafficAccount, bytesIn: number, bytesOut: number, durationSeconds: number): void;
  /** Adds the bytes of every open connection not yet counted and writes the loop-delay row. */
  flush(): void;
  stop(): void;
}

export interface WorkerMetricsOptions {
  flushIntervalMs?: number;
  /** perf_hooks sampling resolution; default 20 ms. */
  loopDelayResolutionMs?: number;
}

export function startWorkerMetrics(table: EndpointTable, workerId: number, o: WorkerMetricsOptions = {}): WorkerMetricsRecorder {
  const open = new Set<TrafficAccount>();
  const resolutionMs = o.loopDelayResolutionMs ?? 20;
  const resolutionNs = resolutionMs * 1e6;
  let delay: ELDHistogram | null = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();

  const addDelta = (a: TrafficAccount, bytesIn: number, bytesOut: number) => {
    table.addBytes(a.servicePortIndex, a.slot, bytesIn - a.flushedIn, bytesOut - a.flushedOut);
    a.flushedIn = bytesIn;
    a.flushedOut = bytesOut;
  };

  const flush = () => {
    for (const a of open) {
      const { bytesIn, bytesOut } = a.read();
      addDelta(a, bytesIn, bytesOut);
    }
    if (delay && delay.count > 0) {
      // The histogram records whole timer intervals; the delay is what exceeds the resolution.
      const over = (ns: number) => Math.max(0, ns - resolutionNs);
      table.setWorkerLoopDelay(workerId, over(delay.percentile(50)), over(delay.percentile(99)), over(delay.max));
      // Each row shows the last interval, not the whole life: a stall an hour ago is not news.
      delay.reset();
    }
  };
  const timer = setInterval(flush, o.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    connected(index, seconds) { table.observe(index, 'connect', seconds); },
    connectFailed(index) { table.countConnectError(index); },
    retried(index) { table.countRetry(index); },
    opened(a) {
      open.add(a);
      table.workerOpened(workerId);
    },
    closed(a, bytesIn, bytesOut, durationSeconds) {
      if (!open.delete(a)) return;
      addDelta(a, bytesIn, bytesOut);
      table.workerClosed(workerId);
      table.observe(a.servicePortIndex, 'duration', durationSeconds);
    },
    flush,
    stop() {
      clearInterval(timer);
      flush();
      delay?.disable();
      delay = null;
    },
  };
}
