// What the bench report page (client/report-client.ts) draws, as `switchyard bench --report`
// embeds it in the HTML file. Pure types.

export interface BenchPageData {
  /** The run second by second (the load generator's view), times in ms since the epoch. */
  timeline: {
    times: number[];
    requests: number[];
    errors: number[];
    p50: (number | null)[];
    p99: (number | null)[];
    generatorCores: number[];
    histogram: number[];
  };
  /** Upper bounds (ms) of timeline.histogram's buckets; one more count beyond the last. */
  latencyBucketsMs: number[];
  /** switchyard's CPU in cores at each timeline time (its nearest sample), null where unknown. */
  switchyardCores: (number | null)[];
  /** The Service port as switchyard sampled it during the run; null from a server without history. */
  server: { times: number[]; connectP50: (number | null)[]; connectP99: (number | null)[] } | null;
  /** Connections per endpoint over the run, from /metrics. */
  spread: { total: number; endpoints: { endpoint: string; pod?: string; connections: number }[] } | null;
}
