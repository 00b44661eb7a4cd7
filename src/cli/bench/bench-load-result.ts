// What one load run is asked to do and what it measured, shared by the HTTP (autocannon) and raw
// TCP load drivers, the report and the verb. Runs in the CLI process.

export type BenchMode = 'http' | 'tcp';

export interface LoadSettings {
  mode: BenchMode;
  host: string;
  port: number;
  /** Concurrent connections. */
  connections: number;
  /** Seconds of load. */
  durationSeconds: number;
  /** Requests per second over all connections; undefined = as fast as the target answers. */
  rate?: number;
  /** HTTP request path (http mode). */
  path: string;
  /** tcp mode: open a new connection for every request instead of keeping each one alive. */
  closeEachRequest: boolean;
}

/** Latency in milliseconds at the percentiles the report shows. */
export interface LatencyFigures {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

export interface LoadResult {
  /** Wall-clock seconds the load actually ran. */
  seconds: number;
  /** Requests that got an answer. */
  requests: number;
  requestsPerSecond: number;
  latency: LatencyFigures;
  /** Connect failures, resets and timeouts. */
  errors: number;
  /** HTTP answers outside 2xx (always 0 in tcp mode). */
  non2xx: number;
  /** Bytes received from the target per second. */
  bytesPerSecond: number;
  /** TCP connections this client opened successfully (what the balancer should have counted). */
  connectionsOpened: number;
}

/** Progress callback: seconds elapsed and requests answered so far. */
export type LoadProgress = (elapsedSeconds: number, requests: number) => void;
