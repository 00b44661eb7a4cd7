// The service environment variables kubelet gives a container (spec §4; S9 envvars.go
// `FromServices`, kubelet_pods.go `getServiceEnvVarMap`). Used by `switchyard env`. Pure.
import { isServiceIPSet } from './is-service-ip-set.ts';
import { joinHostPort } from './ip-address.ts';
import { namespaceOf } from './namespace-of.ts';
import type { Service } from './types.ts';

/** Services whose variables every Pod gets, from namespace `default`, even without service links. */
const MASTER_SERVICES = new Set(['kubernetes']);

const envName = (s: string) => s.replaceAll('-', '_').toUpperCase();

/** `FromServices` for one Service, in upstream order. */
function serviceVars(service: Service, out: Record<string, string>): void {
  const prefix = envName(service.metadata.name ?? '');
  const ip = service.spec.clusterIP!;
  const ports = service.spec.ports ?? [];
  out[`${prefix}_SERVICE_HOST`] = ip;
  // Validation guarantees a port on every Service with a cluster IP; guard anyway.
  if (ports.length > 0) out[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
  for (const p of ports) {
    if (p.name) out[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  }
  // Docker links compatibility (makeLinkVariables).
  ports.forEach((p, i) => {
    const proto = p.protocol || 'TCP';
    const url = `${proto.toLowerCase()}://${joinHostPort(ip, p.port)}`;
    if (i === 0) out[`${prefix}_PORT`] = url;
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out[pp] = url;
    out[`${pp}_PROTO`] = proto.toLowerCase();
    out[`${pp}_PORT`] = String(p.port);
    out[`${pp}_ADDR`] = ip;
  });
}

/**
 * Variables for a container in `namespace`: every Service of that namespace with a cluster IP
 * (when `enableServiceLinks`, default true), plus `default/kubernetes` always; a same-named Service
 * in the Pod's namespace takes precedence over the `default` one.
 */
export function serviceEnv(services: Service[], namespace: string, enableServiceLinks = true): Record<string, string> {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const name = svc.metadata.name ?? '';
    const ns = namespaceOf(svc.metadata);
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (ns === namespace && enableServiceLinks) {
      chosen.set(name, svc);
    }
  }
  const out: Record<string, string> = {};
  for (const svc of chosen.values()) serviceVars(svc, out);
  return out;
}
