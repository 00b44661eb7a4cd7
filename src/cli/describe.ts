// `switchyard describe TYPE [NAME…]` — kubectl describe for services, endpoints and pods. CLI process.
import type { ApiObject, EndpointSlice, Endpoints, KubeEvent, Pod, Service } from '../model/types.ts';
import type { ServiceStatus, StatusDocument } from '../model/status-document.ts';
import { ApiError } from '../model/api-error.ts';
import { resourcePath } from './admin-client.ts';
import { formatApiError, UsageError } from './cli-error.ts';
import { listObjects } from './get.ts';
import { describeEndpoints } from './printers/describe-endpoints.ts';
import { describeGeneric } from './printers/describe-generic.ts';
import { describePod } from './printers/describe-pod.ts';
import { describeService } from './printers/describe-service.ts';
import { parseResourceArgs, type NamespacedKind } from './resource-args.ts';
import type { CliContext, FlagValues, Verb } from './verb.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const DESCRIBABLE: NamespacedKind[] = ['Service', 'Endpoints', 'Pod', 'Lease'];

async function eventsFor(ctx: CliContext, obj: ApiObject): Promise<KubeEvent[]> {
  const ns = obj.metadata.namespace ?? ctx.namespace;
  const res = await ctx.client.call('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, undefined,
    { fieldSelector: `involvedObject.name=${obj.metadata.name},involvedObject.kind=${obj.kind}` });
  const items = (res.body as { items?: KubeEvent[] })?.items ?? [];
  // Filtered here as well: the server's field selector is an optimisation, not what we rely on.
  return items.filter((e) => e.involvedObject?.name === obj.metadata.name && (e.involvedObject?.kind ?? obj.kind) === obj.kind);
}

async function serviceSlices(ctx: CliContext, svc: Service): Promise<EndpointSlice[]> {
  const ns = svc.metadata.namespace ?? ctx.namespace;
  const name = svc.metadata.name ?? '';
  const res = await ctx.client.call('GET', resourcePath('EndpointSlice', ns), undefined, { labelSelector: `${SERVICE_NAME_LABEL}=${name}` });
  const items = (res.body as { items?: EndpointSlice[] })?.items ?? [];
  return items.filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
}

/** A Service's live figures, for the flows of its UDP ports; undefined when /status.json cannot be
 *  read (an older server) — describe then prints what kubectl would. */
async function serviceStatus(ctx: CliContext, svc: Service): Promise<ServiceStatus | undefined> {
  if (!(svc.spec.ports ?? []).some((p) => p.protocol === 'UDP')) return undefined;
  try {
    const doc = (await ctx.client.call('GET', '/status.json')).body as StatusDocument;
    return doc?.services?.find((s) => s.name === `${svc.metadata.namespace ?? ctx.namespace}/${svc.metadata.name}`);
  } catch {
    return undefined;
  }
}

/** The describe text of one object, events (and a Service's slices) fetched from the server. */
export async function describeObject(ctx: CliContext, obj: ApiObject): Promise<string> {
  const events = await eventsFor(ctx, obj);
  const now = ctx.now();
  switch (obj.kind) {
    case 'Service': return describeService(obj as Service, await serviceSlices(ctx, obj as Service), events, now, await serviceStatus(ctx, obj as Service));
    case 'Endpoints': return describeEndpoints(obj as Endpoints, events, now);
    case 'Pod': return describePod(obj as Pod, events, now);
    case 'Lease': return describeGeneric(obj, events, now);
    default: throw new UsageError(`describe supports services, endpoints, pods and leases, not ${obj.kind}`, 'describe');
  }
}

async function run(ctx: CliContext, _flags: FlagValues, args: string[]): Promise<number> {
  const { kind, refs } = parseResourceArgs(args, 'describe');
  for (const k of [kind, ...refs.map((r) => r.kind)]) {
    if (k && !DESCRIBABLE.includes(k)) throw new UsageError(`describe supports services (svc), endpoints (ep), pods (po) and leases, not ${k}`, 'describe');
  }
  const objects: ApiObject[] = [];
  const errors: string[] = [];
  if (refs.length === 0) {
    objects.push(...await listObjects(ctx, kind!));
    if (objects.length === 0) ctx.err(ctx.allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
  } else {
    for (const ref of refs) {
      try {
        objects.push((await ctx.client.call('GET', resourcePath(ref.kind, ctx.namespace, ref.name))).body as ApiObject);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(formatApiError(err));
      }
    }
  }
  const texts: string[] = [];
  for (const obj of objects) texts.push(await describeObject(ctx, obj));
  // kubectl separates described objects with two blank lines.
  if (texts.length > 0) ctx.out(texts.join('\n\n'));
  for (const e of errors) ctx.err(e + '\n');
  return errors.length > 0 ? 1 : 0;
}

export const describeVerb: Verb = {
  name: 'describe',
  summary: 'Show details of a service, endpoints or pod, with its events',
  help: `Show details of a specific resource, or of every resource of a type.

Usage:
  switchyard describe (svc|ep|po|lease) [NAME ...] [-n NAMESPACE | -A]

Examples:
  switchyard describe svc web
  switchyard describe endpoints web
  switchyard describe lease -n kube-system    # which instance runs the controllers (shared etcd store)
`,
  options: {},
  run,
};
