// The JSON-type pass that runs before defaulting and validation, standing in for the apiserver's
// typed decoding: a value of the wrong JSON type becomes a field error (never a TypeError later),
// `null` on an object field means "unset" as in Go's decoder and is removed, and unknown fields
// are left alone. Pure; mutates the (already cloned) input only to drop nulls. Any thread.
import type { FieldError } from '../model/field-errors.ts';
import { invalid } from '../model/field-errors.ts';

export type Shape =
  | 'string' | 'int' | 'bool' | 'intOrString' | 'any'
  | { obj: Record<string, Shape> }
  | { list: Shape }
  | { map: Shape };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(shape: Shape): string {
  if (typeof shape === 'string') {
    return { string: 'must be a string', int: 'must be an integer', bool: 'must be a boolean', intOrString: 'must be an integer or a string', any: '' }[shape];
  }
  if ('obj' in shape || 'map' in shape) return 'must be an object';
  return 'must be a list';
}

/** Checks `value` (present, not null) against `shape`; appends one error per mismatch. */
export function checkShape(value: unknown, shape: Shape, path: string, errs: FieldError[]): void {
  if (shape === 'any') return;
  const bad = () => errs.push(invalid(path, value, describe(shape)));
  if (shape === 'string') { if (typeof value !== 'string') bad(); return; }
  if (shape === 'bool') { if (typeof value !== 'boolean') bad(); return; }
  if (shape === 'int') { if (!Number.isInteger(value)) bad(); return; }
  if (shape === 'intOrString') { if (!Number.isInteger(value) && typeof value !== 'string') bad(); return; }
  if ('list' in shape) {
    if (!Array.isArray(value)) { bad(); return; }
    value.forEach((item, i) => checkShape(item, shape.list, `${path}[${i}]`, errs));
    return;
  }
  if (!isObject(value)) { bad(); return; }
  if ('map' in shape) {
    for (const k of Object.keys(value)) checkShape(value[k], shape.map, `${path}[${k}]`, errs);
    return;
  }
  for (const [k, sub] of Object.entries(shape.obj)) {
    if (!(k in value)) continue;
    if (value[k] === null) { delete value[k]; continue; }
    checkShape(value[k], sub, path ? `${path}.${k}` : k, errs);
  }
}

const S = 'string' as const;
const I = 'int' as const;
const B = 'bool' as const;
const strings = { map: S } as const;

const objectMeta: Shape = {
  obj: {
    name: S, generateName: S, namespace: S, labels: strings, annotations: strings, uid: S,
    resourceVersion: S, generation: I, creationTimestamp: S, deletionTimestamp: S,
  },
};
const objectRef: Shape = {
  obj: { kind: S, namespace: S, name: S, uid: S, apiVersion: S, resourceVersion: S, fieldPath: S },
};
const top = (rest: Record<string, Shape>): Shape => ({ obj: { apiVersion: S, kind: S, metadata: objectMeta, ...rest } });

const serviceShape = top({
  spec: {
    obj: {
      ports: {
        list: {
          obj: { name: S, protocol: S, appProtocol: S, port: I, targetPort: 'intOrString', nodePort: I },
        },
      },
      type: S, selector: strings, clusterIP: S, clusterIPs: { list: S }, externalIPs: { list: S },
      externalName: S, sessionAffinity: S,
      sessionAffinityConfig: { obj: { clientIP: { obj: { timeoutSeconds: I } } } },
      externalTrafficPolicy: S, internalTrafficPolicy: S, healthCheckNodePort: I, loadBalancerIP: S,
      loadBalancerSourceRanges: { list: S }, loadBalancerClass: S, allocateLoadBalancerNodePorts: B,
      publishNotReadyAddresses: B, ipFamilies: { list: S }, ipFamilyPolicy: S, trafficDistribution: S,
    },
  },
  status: {
    obj: {
      loadBalancer: {
        obj: { ingress: { list: { obj: { ip: S, hostname: S, ipMode: S, ports: 'any' } } } },
      },
    },
  },
});

const endpointAddress: Shape = { obj: { ip: S, hostname: S, nodeName: S, targetRef: objectRef } };
const endpointsShape = top({
  subsets: {
    list: {
      obj: {
        addresses: { list: endpointAddress },
        notReadyAddresses: { list: endpointAddress },
        ports: { list: { obj: { name: S, port: I, protocol: S, appProtocol: S } } },
      },
    },
  },
});

const endpointSliceShape = top({
  addressType: S,
  endpoints: {
    list: {
      obj: {
        addresses: { list: S },
        conditions: { obj: { ready: B, serving: B, terminating: B } },
        hostname: S, nodeName: S, zone: S, targetRef: objectRef, deprecatedTopology: strings,
        hints: {
          obj: { forZones: { list: { obj: { name: S } } }, forNodes: { list: { obj: { name: S } } } },
        },
      },
    },
  },
  ports: { list: { obj: { name: S, port: I, protocol: S, appProtocol: S } } },
});

const portOrName = 'intOrString' as const;
const probe: Shape = {
  obj: {
    tcpSocket: { obj: { port: portOrName, host: S } },
    httpGet: {
      obj: {
        path: S, port: portOrName, host: S, scheme: S,
        httpHeaders: { list: { obj: { name: S, value: S } } },
      },
    },
    exec: { obj: { command: { list: S } } },
    grpc: { obj: { port: I, service: S } },
    initialDelaySeconds: I, periodSeconds: I, timeoutSeconds: I, successThreshold: I,
    failureThreshold: I, terminationGracePeriodSeconds: I,
  },
};
const container: Shape = {
  obj: {
    name: S, image: S, restartPolicy: S, readinessProbe: probe,
    ports: { list: { obj: { name: S, containerPort: I, protocol: S, hostIP: S, hostPort: I } } },
  },
};
const podShape = top({
  spec: {
    obj: {
      containers: { list: container }, initContainers: { list: container },
      hostname: S, subdomain: S, nodeName: S, enableServiceLinks: B,
    },
  },
  status: {
    obj: {
      phase: S, podIP: S, podIPs: { list: { obj: { ip: S } } },
      conditions: {
        list: { obj: { type: S, status: S, lastTransitionTime: S, reason: S, message: S } },
      },
    },
  },
});

export const SHAPES: Record<'Service' | 'Endpoints' | 'EndpointSlice' | 'Pod', Shape> = {
  Service: serviceShape, Endpoints: endpointsShape, EndpointSlice: endpointSliceShape, Pod: podShape,
};
