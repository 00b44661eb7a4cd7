// The single entry point the registry uses for one decoded manifest object: clone, recognise the
// kind, check JSON types, default, validate. Allocation (clusterIPs, nodePorts) is the registry's.
// Pure; main thread in practice, safe on any.
import type { EndpointSlice, Endpoints, KindName, KubeObject, Pod, Service } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { invalid, required } from '../model/field-errors.ts';
import { SHAPES, checkShape } from './check-shape.ts';
import { defaultService, normalizeClusterIPsOnCreate } from './default-service.ts';
import { defaultEndpointSlice, defaultEndpoints, defaultPod } from './default-pod.ts';
import { validateEndpointSlice } from './validate-endpoint-slice.ts';
import { validateEndpoints } from './validate-endpoints.ts';
import { validatePod } from './validate-pod.ts';
import { validateService } from './validate-service.ts';

export type Prepared =
  | { status: 'ok'; object: KubeObject }
  | { status: 'invalid'; kind: string; name: string; errors: FieldError[] }
  | { status: 'skipped'; kind: string; apiVersion: string; name: string; reason: string };

const SERVED: Record<KindName, string> = {
  Service: 'v1', Endpoints: 'v1', EndpointSlice: 'discovery.k8s.io/v1', Pod: 'v1',
};
const SERVED_LIST = 'Service, Endpoints, EndpointSlice and Pod';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubectl's printed resource prefix: `service`, `endpointslice.discovery.k8s.io`, `deployment.apps`. */
export function resourceName(kind: string, apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const name = kind.toLowerCase();
  return group ? `${name}.${group}` : name;
}

function nameOf(raw: Record<string, unknown>): string {
  const meta = raw.metadata;
  return isObject(meta) && typeof meta.name === 'string' ? meta.name : '';
}

function skipReason(kind: string, apiVersion: string): string {
  const served = (SERVED as Record<string, string>)[kind];
  if (served !== undefined) {
    return `kind ${kind} is served by switchyard as ${served}, not ${apiVersion}; change apiVersion to ${served}`;
  }
  return `kind ${kind} (${apiVersion}) is not served by switchyard; it serves ${SERVED_LIST}`;
}

function prepareTyped(kind: KindName, obj: Record<string, unknown>): FieldError[] {
  switch (kind) {
    case 'Service': {
      const svc = obj as unknown as Service;
      normalizeClusterIPsOnCreate(defaultService(svc));
      return validateService(svc, { beforeAllocation: true });
    }
    case 'Endpoints': {
      const ep = obj as unknown as Endpoints;
      return validateEndpoints(defaultEndpoints(ep));
    }
    case 'EndpointSlice': {
      const slice = obj as unknown as EndpointSlice;
      return validateEndpointSlice(defaultEndpointSlice(slice));
    }
    case 'Pod': {
      const pod = obj as unknown as Pod;
      return validatePod(defaultPod(pod));
    }
  }
}

export function prepareObject(raw: unknown): Prepared {
  if (!isObject(raw)) {
    return { status: 'invalid', kind: 'Object', name: '', errors: [invalid('<root>', raw, 'must be an object with apiVersion, kind and metadata')] };
  }
  const obj = structuredClone(raw);
  const name = nameOf(obj);
  const kind = obj.kind;
  const apiVersion = obj.apiVersion;
  if (typeof kind !== 'string' || kind === '' || typeof apiVersion !== 'string' || apiVersion === '') {
    const errors: FieldError[] = [];
    if (typeof apiVersion !== 'string' || apiVersion === '') errors.push(apiVersion ? invalid('apiVersion', apiVersion, 'must be a string') : required('apiVersion', 'apiVersion not set'));
    if (typeof kind !== 'string' || kind === '') errors.push(kind ? invalid('kind', kind, 'must be a string') : required('kind', 'kind not set'));
    return { status: 'invalid', kind: typeof kind === 'string' && kind ? kind : 'Object', name, errors };
  }
  if ((SERVED as Record<string, string>)[kind] !== apiVersion) {
    return { status: 'skipped', kind, apiVersion, name, reason: skipReason(kind, apiVersion) };
  }
  const served = kind as KindName;
  const errors: FieldError[] = [];
  checkShape(obj, SHAPES[served], '', errors);
  if (errors.length) return { status: 'invalid', kind, name, errors };

  if (obj.metadata === undefined) obj.metadata = {};
  const meta = obj.metadata as Record<string, unknown>;
  if (!meta.namespace) meta.namespace = 'default';
  if ((served === 'Service' || served === 'Pod') && obj.spec === undefined) obj.spec = {};

  const invalidErrors = prepareTyped(served, obj);
  if (invalidErrors.length) return { status: 'invalid', kind, name, errors: invalidErrors };
  return { status: 'ok', object: obj as unknown as KubeObject };
}
