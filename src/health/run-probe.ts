// Runs one probe of any kind with the real runners (tcp, httpGet through undici, exec). Main thread.
// The health loop takes it as a parameter so unit tests can inject scripted outcomes instead.
import type { ProbeCheck } from './health-targets.ts';
import { errored, type ProbeOutcome } from './probe-outcome.ts';
import { probeExec } from './probe-exec.ts';
import { probeHttp } from './probe-http.ts';
import { probeTcp } from './probe-tcp.ts';

export type RunProbe = (check: ProbeCheck, timeoutMs: number, signal: AbortSignal) => Promise<ProbeOutcome>;

export const runProbe: RunProbe = (check, timeoutMs, signal) => {
  switch (check.type) {
    case 'tcp': return probeTcp(check.host, check.port, timeoutMs);
    case 'http': return probeHttp({ ...check.spec, timeoutMs });
    case 'exec': return probeExec(check.command, timeoutMs, signal);
    case 'error': return Promise.resolve(errored(check.message));
  }
};
