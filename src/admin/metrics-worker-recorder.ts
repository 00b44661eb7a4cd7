// Moved to src/data/metrics-worker-recorder.ts (it runs on the data-plane worker threads). This
// forwarder remains only for src/data/worker-main.ts and src/data/connection-handler.ts, which were
// being changed on other branches when the file moved; delete it once they import from
// ./metrics-worker-recorder.ts.
export { startWorkerMetrics, type TrafficAccount, type WorkerMetricsOptions, type WorkerMetricsRecorder } from '../data/metrics-worker-recorder.ts';
