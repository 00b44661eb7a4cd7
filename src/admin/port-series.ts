// What the status sampler measures for each Service port, as data: a list of series, each a key (the
// name /status.json's history uses), how the value is formed (a counter's increase per second, or a
// gauge read as it is) and where in the shared endpoint table it is read. The sampler knows nothing
// of TCP; a port kind with other counters (UDP's flows, datagrams and drops) brings its own list,
// chosen by portSeriesFor. Main thread.
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { CONNECT_SECONDS_BUCKETS, UDP_DROP_CAUSES } from '../shared/endpoint-table-layout.ts';
import type { HistogramName } from '../shared/endpoint-table-metrics.ts';

export interface PortSeriesSource {
  key: string;
  /** rate: increase of a counter per second between two samples; gauge: the value at the sample. */
  kind: 'rate' | 'gauge';
  read(table: EndpointTable, index: number): number;
}

/** A latency percentile of the observations made between two samples. */
export interface PortQuantileSource {
  key: string;
  histogram: HistogramName;
  bounds: readonly number[];
  q: number;
}

export interface PortSeriesKind {
  series: readonly PortSeriesSource[];
  quantiles: readonly PortQuantileSource[];
  /** Histograms the quantiles read (each once per sample). */
  histograms: readonly HistogramName[];
}

const TCP: PortSeriesKind = {
  series: [
    { key: 'connections', kind: 'rate', read: (t, i) => t.portTotalConnections(i) },
    { key: 'bytesIn', kind: 'rate', read: (t, i) => t.portBytesIn(i) },
    { key: 'bytesOut', kind: 'rate', read: (t, i) => t.portBytesOut(i) },
    { key: 'active', kind: 'gauge', read: (t, i) => t.portActive(i) },
    {
      key: 'refusals', kind: 'rate',
      read: (t, i) => t.refusals(i, 'noEndpoints') + t.refusals(i, 'maxConnections') + t.refusals(i, 'sourceRange') + t.refusals(i, 'localError'),
    },
    { key: 'retries', kind: 'rate', read: (t, i) => t.portRetries(i) },
    { key: 'connectErrors', kind: 'rate', read: (t, i) => t.portConnectErrors(i) },
  ],
  quantiles: [
    { key: 'connectP50', histogram: 'connect', bounds: CONNECT_SECONDS_BUCKETS, q: 0.5 },
    { key: 'connectP99', histogram: 'connect', bounds: CONNECT_SECONDS_BUCKETS, q: 0.99 },
  ],
  histograms: ['connect'],
};

/** A UDP port: its flows (created, live), bytes and datagrams each way, and datagrams dropped. */
const UDP: PortSeriesKind = {
  series: [
    { key: 'flows', kind: 'rate', read: (t, i) => t.portTotalConnections(i) },
    { key: 'bytesIn', kind: 'rate', read: (t, i) => t.portBytesIn(i) },
    { key: 'bytesOut', kind: 'rate', read: (t, i) => t.portBytesOut(i) },
    { key: 'activeFlows', kind: 'gauge', read: (t, i) => t.portActive(i) },
    { key: 'datagramsIn', kind: 'rate', read: (t, i) => t.portDatagramsIn(i) },
    { key: 'datagramsOut', kind: 'rate', read: (t, i) => t.portDatagramsOut(i) },
    { key: 'drops', kind: 'rate', read: (t, i) => UDP_DROP_CAUSES.reduce((sum, cause) => sum + t.udpDrops(i, cause), 0) },
  ],
  quantiles: [],
  histograms: [],
};

/** `port` is the sync's `name-or-number/PROTOCOL`. */
export function portSeriesFor(port: string): PortSeriesKind {
  return port.endsWith('/UDP') ? UDP : TCP;
}

/** Per endpoint (slot): new connections and bytes each way, per second. */
export const ENDPOINT_SERIES: readonly PortSeriesSource[] = [
  { key: 'connections', kind: 'rate', read: (t, slot) => t.totalConnections(slot) },
  { key: 'bytesIn', kind: 'rate', read: (t, slot) => t.slotBytesIn(slot) },
  { key: 'bytesOut', kind: 'rate', read: (t, slot) => t.slotBytesOut(slot) },
];
