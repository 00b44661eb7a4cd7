// Per-Service-port data-plane options from the Service's spec and switchyard.io annotations.
// Pure, main thread. Annotation values that do not parse fall back to the defaults and are
// reported through `problems` (the caller turns them into Warning events).
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../model/session-affinity.ts';
import type { Service } from '../model/types.ts';
import type { ServicePortOptions } from '../shared/messages.ts';

export interface DataPlaneDefaults {
  algorithm: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  connectAttempts: number;
}

export const ANNOTATION_ALGORITHM = 'switchyard.io/lb-algorithm';
export const ANNOTATION_PROXY_PROTOCOL = 'switchyard.io/proxy-protocol';
export const ANNOTATION_MAX_CONNECTIONS = 'switchyard.io/max-connections';
export const ANNOTATION_WEIGHT = 'switchyard.io/weight';
/** The weights the annotation gives; larger values are clamped. Well inside what the endpoint
 *  table holds (endpoint-slots.ts MAX_WEIGHT), so every annotated weight fits. */
const MAX_ANNOTATION_WEIGHT = 1000;

export function servicePortOptions(service: Service, defaults: DataPlaneDefaults, knownAlgorithms: readonly string[]):
  { options: ServicePortOptions; problems: string[] } {
  const ann = service.metadata.annotations ?? {};
  const problems: string[] = [];
  let algorithm = defaults.algorithm;
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
  const affinitySeconds = service.spec.sessionAffinity === 'ClientIP'
    ? service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS : 0;
  return {
    options: {
      algorithm, affinitySeconds, proxyProtocol, maxConnections,
      connectTimeoutMs: defaults.connectTimeoutMs, idleTimeoutMs: defaults.idleTimeoutMs, connectAttempts: defaults.connectAttempts,
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
