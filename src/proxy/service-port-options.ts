// Per-Service-port data-plane options from the Service's spec and switchyard.io annotations.
// Pure, main thread. Annotation values that do not parse fall back to the defaults and are
// reported through `problems` (the caller turns them into Warning events).
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../model/session-affinity.ts';
import type { Service } from '../model/types.ts';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS, type ServicePortOptions } from '../shared/messages.ts';

export interface DataPlaneDefaults {
  algorithm: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  connectAttempts: number;
  /**
   * The algorithm of `sessionAffinity: ClientIP` Services without an algorithm annotation: `maglev`
   * when several instances share a store, so that a client keeps its endpoint whichever instance it
   * reaches (the affinity table is per instance). Undefined: the default algorithm plus the table.
   */
  clientIpAlgorithm?: string;
}

export const ANNOTATION_ALGORITHM = 'switchyard.io/lb-algorithm';
export const ANNOTATION_PROXY_PROTOCOL = 'switchyard.io/proxy-protocol';
export const ANNOTATION_MAX_CONNECTIONS = 'switchyard.io/max-connections';
export const ANNOTATION_WEIGHT = 'switchyard.io/weight';
export const ANNOTATION_UDP_IDLE_TIMEOUT = 'switchyard.io/udp-idle-timeout';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_UDP_IDLE_MS = 24 * 3_600_000;

/** A Go-style duration (`30s`, `1m30s`, `500ms`, `2h`) or a bare number of seconds, in ms; NaN when
 *  it is neither. */
export function parseDurationMs(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return NaN;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNITS_MS[m[2]];
  return ms;
}

/** The weights the annotation gives; larger values are clamped. Well inside what the endpoint
 *  table holds (endpoint-slots.ts MAX_WEIGHT), so every annotated weight fits. */
const MAX_ANNOTATION_WEIGHT = 1000;

export function servicePortOptions(service: Service, defaults: DataPlaneDefaults, knownAlgorithms: readonly string[]):
  { options: ServicePortOptions; problems: string[] } {
  const ann = service.metadata.annotations ?? {};
  const problems: string[] = [];
  let algorithm = defaults.algorithm;
  if (defaults.clientIpAlgorithm && service.spec.sessionAffinity === 'ClientIP') algorithm = defaults.clientIpAlgorithm;
  if (ann[ANNOTATION_ALGORITHM] !== undefined) {
    if (knownAlgorithms.includes(ann[ANNOTATION_ALGORITHM])) algorithm = ann[ANNOTATION_ALGORITHM];
    else problems.push(`annotation ${ANNOTATION_ALGORITHM}: unknown algorithm "${ann[ANNOTATION_ALGORITHM]}"; using ${algorithm} (valid: ${knownAlgorithms.join(', ')})`);
  }
  let proxyProtocol: 0 | 1 | 2 = 0;
  const pp = ann[ANNOTATION_PROXY_PROTOCOL];
  if (pp !== undefined) {
    if (pp === 'v1') proxyProtocol = 1;
    else if (pp === 'v2') proxyProtocol = 2;
    else if (pp !== '' && pp !== 'none') problems.push(`annotation ${ANNOTATION_PROXY_PROTOCOL}: "${pp}" is not v1 or v2; PROXY protocol off`);
  }
  let maxConnections = 0;
  const mc = ann[ANNOTATION_MAX_CONNECTIONS];
  if (mc !== undefined) {
    if (/^\d+$/.test(mc)) maxConnections = Number(mc);
    else problems.push(`annotation ${ANNOTATION_MAX_CONNECTIONS}: "${mc}" is not a non-negative integer; no limit`);
  }
  let udpIdleTimeoutMs = DEFAULT_UDP_IDLE_TIMEOUT_MS;
  const ui = ann[ANNOTATION_UDP_IDLE_TIMEOUT];
  if (ui !== undefined) {
    const ms = Math.round(parseDurationMs(ui));
    if (ms >= 1 && ms <= MAX_UDP_IDLE_MS) udpIdleTimeoutMs = ms;
    else problems.push(`annotation ${ANNOTATION_UDP_IDLE_TIMEOUT}: "${ui}" is not a duration between 1ms and 24h (e.g. 30s, 500ms, 2m); using ${DEFAULT_UDP_IDLE_TIMEOUT_MS / 1000}s`);
  }
  const affinitySeconds = service.spec.sessionAffinity === 'ClientIP'
    ? service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS : 0;
  return {
    options: {
      algorithm, affinitySeconds, proxyProtocol, maxConnections,
      connectTimeoutMs: defaults.connectTimeoutMs, idleTimeoutMs: defaults.idleTimeoutMs, connectAttempts: defaults.connectAttempts,
      udpIdleTimeoutMs,
    },
    problems,
  };
}

/** An endpoint's weight from its Pod's `switchyard.io/weight` annotation: integer 0..MAX_ANNOTATION_WEIGHT, default 1. */
export function weightFromAnnotations(annotations: Record<string, string> | undefined): number {
  const w = annotations?.[ANNOTATION_WEIGHT];
  if (w === undefined || !/^\d+$/.test(w)) return 1;
  return Math.min(MAX_ANNOTATION_WEIGHT, Number(w));
}
