// How a bench run's connections were spread across a Service port's endpoints: the per-endpoint
// deltas of switchyard_endpoint_connections_total between two /metrics scrapes, and Jain's
// fairness index over them. Pure; runs in the CLI process.
import { SyError } from '../../model/sy-error.ts';
import type { PromSample } from '../prometheus-text.ts';

export const ENDPOINT_CONNECTIONS_METRIC = 'switchyard_endpoint_connections_total';

export interface SpreadSelector {
  /** `namespace/name`, as the server labels it. */
  service: string;
  /** Values of the `port` label that mean the benched Service port (its name and its number). */
  portLabels: string[];
}

export interface KnownEndpoint {
  /** `ip:port` (IPv6 as `[ip]:port`). */
  endpoint: string;
  pod?: string;
}

export interface EndpointShare {
  endpoint: string;
  pod?: string;
  connections: number;
  /** connections / total; 0 when nothing was counted. */
  share: number;
}

export interface Spread {
  endpoints: EndpointShare[];
  total: number;
  /** Jain's index over every endpoint listed (null when no connection was counted). */
  fairness: number | null;
  /** The index of the most even split possible (4 connections over 3 endpoints cannot reach 1). */
  bestFairness: number | null;
}

/**
 * Jain's fairness index J = (Σx)² / (n·Σx²): 1 when every x is equal, 1/n when one takes all.
 * null for no values or all zeros, where fairness means nothing.
 */
export function jainIndex(values: number[]): number | null {
  let sum = 0;
  let sumSquares = 0;
  for (const x of values) {
    if (!(x >= 0) || !Number.isFinite(x)) throw new SyError('SY_INTERNAL', `Jain's index needs finite counts >= 0, got ${x}`);
    sum += x;
    sumSquares += x * x;
  }
  if (values.length === 0 || sumSquares === 0) return null;
  return (sum * sum) / (values.length * sumSquares);
}

/** Jain's index of `total` whole connections spread as evenly as they can be over n endpoints. */
export function bestJainIndex(total: number, n: number): number | null {
  if (n === 0 || total === 0) return null;
  const q = Math.floor(total / n);
  const r = total % n;
  return jainIndex([...Array<number>(r).fill(q + 1), ...Array<number>(n - r).fill(q)]);
}

/** Per endpoint: the counter summed over its series (a restart on the server may split them). */
function countsByEndpoint(samples: PromSample[], sel: SpreadSelector): Map<string, { value: number; pod?: string }> {
  const out = new Map<string, { value: number; pod?: string }>();
  for (const s of samples) {
    if (s.name !== ENDPOINT_CONNECTIONS_METRIC || s.labels.service !== sel.service) continue;
    if (!sel.portLabels.includes(s.labels.port ?? '')) continue;
    const endpoint = s.labels.endpoint;
    if (!endpoint) continue;
    const prev = out.get(endpoint);
    out.set(endpoint, { value: (prev?.value ?? 0) + s.value, pod: prev?.pod || s.labels.pod || undefined });
  }
  return out;
}

/**
 * The connections each endpoint took between the `before` and `after` scrapes. Endpoints the
 * Service lists but the counters never saw count as 0 (they took no share of the load); a counter
 * that went down was reset by a server restart, so its whole `after` value is the delta, as
 * Prometheus' increase() does.
 */
export function computeSpread(before: PromSample[], after: PromSample[], sel: SpreadSelector, known: KnownEndpoint[]): Spread {
  const b = countsByEndpoint(before, sel);
  const a = countsByEndpoint(after, sel);
  const rows = new Map<string, { connections: number; pod?: string }>();
  for (const k of known) rows.set(k.endpoint, { connections: 0, pod: k.pod });
  for (const [endpoint, now] of a) {
    const was = b.get(endpoint)?.value ?? 0;
    const delta = now.value >= was ? now.value - was : now.value;
    const row = rows.get(endpoint);
    if (row) {
      row.connections = delta;
      row.pod ??= now.pod;
    } else if (delta > 0) {
      // Gone from the Service since (scaled down during the run), but it did take connections.
      rows.set(endpoint, { connections: delta, pod: now.pod });
    }
  }
  const list = [...rows].map(([endpoint, r]) => ({ endpoint, pod: r.pod, connections: r.connections }));
  const total = list.reduce((s, r) => s + r.connections, 0);
  return {
    endpoints: list.map((r) => ({ ...r, share: total > 0 ? r.connections / total : 0 })),
    total,
    fairness: jainIndex(list.map((r) => r.connections)),
    bestFairness: bestJainIndex(total, list.length),
  };
}
