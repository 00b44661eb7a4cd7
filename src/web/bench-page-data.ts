// What the bench report page (client/report-client.ts) draws, as `switchyard bench --report`
// embeds it in the HTML file. Pure types.

export interface BenchPageData {
  /** The run second by second (the load generator's view). */
  timeline: BenchTimeline;
  /** Upper bounds (ms) of timeline.histogram's buckets; one more count beyond the last. */
  latencyBucketsMs: number[];
  /** switchyard's CPU in cores at each timeline time (its nearest sample), null where unknown. */
  switchyardCores: (number | null)[];
  /** The Service port as switchyard sampled it during the run; null from a server without history. */
  server: { times: number[]; connectP50: (number | null)[]; connectP99: (number | null)[] } | null;
  /** Connections per endpoint over the run, from /metrics. */
  spread: { total: number; endpoints: { endpoint: string; pod?: string; connections: number }[] } | null;
}

/** What a bench run did second by second, times in ms since the epoch (bench-timeline.ts records it). */
export interface BenchTimeline {
  /** ms since the epoch when the recorder started (before the load's first connection). */
  startedAt: number;
  /** ms since the epoch at the end of each second. */
  times: number[];
  /** Answers and errors per second. */
  requests: number[];
  errors: number[];
  /** Latency of that second's answers, ms; null in a second without any. */
  p50: (number | null)[];
  p99: (number | null)[];
  /** The load generator's (this process's) CPU in that second, in cores. */
  generatorCores: number[];
  /** Answers per latency bucket over the whole run (LATENCY_BUCKETS_MS, then one beyond). */
  histogram: number[];
}
