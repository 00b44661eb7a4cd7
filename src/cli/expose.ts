// `switchyard expose [svc|pod] NAME --port P …` — kubectl expose: creates a Service in front of
// existing backends. kubectl takes the selector from the exposed resource; here that resource may
// be a Service (its selector and, without --port, its ports) or a Pod (its labels and container
// ports). `--selector` skips the lookup, so backends can be exposed before any Pod is declared.
// The Service is created (POST), so an existing one is an AlreadyExists error, as in kubectl.
import type { Pod, Service, ServicePort } from '../model/types.ts';
import { ApiError } from '../model/api-error.ts';
import { resourcePath } from './admin-client.ts';
import { CliError, UsageError } from './cli-error.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

/** `k=v,k2=v2` → map; kubectl expose accepts only equality selectors. */
export function parseSelectorFlag(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([^=!\s]+)==?([^=!\s]*)$/.exec(term);
    if (!m) throw new UsageError(`--selector ${JSON.stringify(text)}: ${JSON.stringify(term)} is not key=value (only equality selectors can pick a Service's backends)`, 'expose');
    out[m[1]] = m[2];
  }
  if (Object.keys(out).length === 0) throw new UsageError('--selector must name at least one key=value', 'expose');
  return out;
}

function portNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a port number`, 'expose');
  return Number(text);
}

async function fetchOptional<T>(ctx: CliContext, kind: 'Service' | 'Pod', name: string): Promise<T | undefined> {
  try {
    return (await ctx.client.call('GET', resourcePath(kind, ctx.namespace, name))).body as T;
  } catch (err) {
    if (err instanceof ApiError && err.httpStatus === 404) return undefined;
    throw err;
  }
}

/** Selector and default ports from the exposed Service or Pod. */
async function introspect(ctx: CliContext, type: string | undefined, name: string): Promise<{ selector: Record<string, string>; ports: ServicePort[] }> {
  if (type === undefined || type === 'service') {
    const svc = await fetchOptional<Service>(ctx, 'Service', name);
    if (svc) {
      if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) {
        throw new CliError('SY_EXPOSE_NO_SELECTOR', `the Service "${name}" has no selector to copy; pass --selector key=value`);
      }
      const ports = (svc.spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort }));
      return { selector: svc.spec.selector, ports };
    }
    if (type === 'service') throw new ApiError(404, 'NotFound', 'SY_NOT_FOUND', `services "${name}" not found`);
  }
  const pod = await fetchOptional<Pod>(ctx, 'Pod', name);
  if (!pod) {
    throw new CliError('SY_EXPOSE_NO_SELECTOR', `no Service or Pod named "${name}" in namespace "${ctx.namespace}" to take a selector from; pass --selector key=value`);
  }
  if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) {
    throw new CliError('SY_EXPOSE_NO_SELECTOR', `the Pod "${name}" has no labels to select it by; pass --selector key=value`);
  }
  const cports = (pod.spec.containers ?? []).flatMap((c) => c.ports ?? []);
  const ports = cports.map((p, i) => ({
    ...(cports.length > 1 ? { name: p.name ?? `port-${i + 1}` } : {}), protocol: p.protocol, port: p.containerPort, targetPort: p.containerPort,
  }));
  return { selector: pod.metadata.labels, ports };
}

function exposableType(word: string): 'service' | 'pod' {
  const type = ({ svc: 'service', service: 'service', services: 'service', po: 'pod', pod: 'pod', pods: 'pod' } as const)[word as 'svc'];
  if (!type) throw new UsageError(`cannot expose a ${JSON.stringify(word)}: expose takes a service or a pod`, 'expose');
  return type;
}

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  let type: string | undefined;
  let name: string;
  if (args.length === 1 && args[0].includes('/')) {
    const at = args[0].indexOf('/');
    type = exposableType(args[0].slice(0, at));
    name = args[0].slice(at + 1);
  } else if (args.length === 1) {
    name = args[0];
  } else if (args.length === 2) {
    type = exposableType(args[0]);
    name = args[1];
  } else {
    throw new UsageError('expose takes one NAME (or TYPE NAME, TYPE being svc or pod)', 'expose');
  }
  if (!name) throw new UsageError('expose needs the NAME of a Service or Pod', 'expose');

  const selectorText = stringFlag(flags, 'selector');
  const portText = stringFlag(flags, 'port');
  let found: { selector: Record<string, string>; ports: ServicePort[] } | undefined;
  if (selectorText === undefined || portText === undefined) {
    try {
      found = await introspect(ctx, type, name);
    } catch (err) {
      // With --selector given, the exposed resource only matters for its ports.
      if (selectorText === undefined || !(err instanceof CliError)) throw err;
    }
  }
  const selector = selectorText !== undefined ? parseSelectorFlag(selectorText) : found!.selector;
  let ports = found?.ports ?? [];
  const protocol = (stringFlag(flags, 'protocol') ?? 'TCP').toUpperCase() as ServicePort['protocol'];
  if (portText !== undefined) {
    const target = stringFlag(flags, 'target-port');
    const port: ServicePort = { protocol, port: portNumber(portText, '--port') };
    if (target !== undefined) port.targetPort = /^\d+$/.test(target) ? Number(target) : target;
    ports = [port];
  } else if (ports.length === 0) {
    throw new UsageError(`couldn't find a port for "${name}": pass --port`, 'expose');
  }
  const serviceName = stringFlag(flags, 'name') ?? name;
  const spec: Service['spec'] = { selector, ports };
  const svcType = stringFlag(flags, 'type');
  if (svcType !== undefined) spec.type = svcType as Service['spec']['type'];
  const externalIP = stringFlag(flags, 'external-ip');
  if (externalIP !== undefined) spec.externalIPs = externalIP.split(',');
  const service: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: serviceName, namespace: ctx.namespace }, spec };
  const dryRun = flags['dry-run'] === true;
  await ctx.client.call('POST', resourcePath('Service', ctx.namespace), service, dryRun ? { dryRun: 'All' } : undefined);
  ctx.out(`service/${serviceName} exposed${dryRun ? ' (dry run)' : ''}\n`);
  return 0;
}

export const exposeVerb: Verb = {
  name: 'expose',
  summary: 'Create a Service for a set of backends',
  help: `Create a Service selecting the given backends.

Usage:
  switchyard expose [svc|pod] NAME [--port P] [--target-port T] [--selector k=v,...] [--name N]
                    [--type ClusterIP|NodePort|LoadBalancer] [--protocol TCP|UDP|SCTP] [--external-ip IP,...] [--dry-run]

Without --selector, the selector is copied from the Service NAME (its selector) or the Pod NAME
(its labels); without --port, the ports are copied from that Service or Pod as well.

Examples:
  switchyard expose web --port 80 --target-port 8080 --selector app=web
  switchyard expose pod nginx-1 --port 80 --name nginx --type NodePort
`,
  options: {
    port: { type: 'string' },
    'target-port': { type: 'string' },
    selector: { type: 'string', short: 'l' },
    name: { type: 'string' },
    type: { type: 'string' },
    protocol: { type: 'string' },
    'external-ip': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  run,
};
