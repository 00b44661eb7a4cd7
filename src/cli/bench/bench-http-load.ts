// HTTP load through autocannon (keep-alive connections, one request in flight per connection),
// run in the CLI process. Latency is recorded from autocannon's own per-response timings into a
// microsecond histogram; requests, errors and non-2xx come from autocannon's result.
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { createLatencyHistogram } from './bench-latency-histogram.ts';
import type { LoadProgress, LoadResult, LoadSettings } from './bench-load-result.ts';
import type { TimelineRecorder } from './bench-timeline.ts';
import { joinHostPort } from '../../model/ip-address.ts';

/** The part of autocannon's client this driver touches (autocannon ships no types). */
interface AutocannonClient extends EventEmitter {
  conn?: Socket;
  _connect(): void;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  throughput: { total: number };
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const require = createRequire(import.meta.url);

export function runHttpLoad(settings: LoadSettings, onProgress?: LoadProgress, timeline?: TimelineRecorder): Promise<LoadResult> {
  const autocannon = require('autocannon') as Autocannon;
  const latency = createLatencyHistogram();
  let opened = 0;
  let answered = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: `http://${joinHostPort(settings.host, settings.port)}${settings.path}`,
      connections: settings.connections,
      duration: settings.durationSeconds,
      overallRate: settings.rate,
      timeout: 10,
      // autocannon reports no connection count, and the spread check compares ours with the
      // server's; its client reconnects through _connect(), so count each socket that connects.
      setupClient(client: AutocannonClient) {
        const connect = client._connect;
        client._connect = function (this: AutocannonClient) {
          connect.call(this);
          this.conn?.once('connect', () => { opened += 1; });
        };
      },
    }, (err, result) => {
      clearInterval(ticker);
      if (err) { latency.destroy(); reject(err); return; }
      const seconds = result.duration > 0 ? result.duration : (performance.now() - started) / 1000;
      const figures = latency.figures();
      latency.destroy();
      resolve({
        seconds,
        requests: result.requests.total,
        requestsPerSecond: result.requests.total / seconds,
        latency: figures,
        errors: result.errors,
        non2xx: result.non2xx,
        bytesPerSecond: result.throughput.total / seconds,
        connectionsOpened: opened,
      });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      answered += 1;
      latency.recordMs(ms);
      timeline?.recordMs(ms);
    });
    instance.on('reqError', () => timeline?.error());
    const ticker = setInterval(() => onProgress?.((performance.now() - started) / 1000, answered), 250);
  });
}
