// The columns `kubectl get` prints for the served kinds (pkg/printers/internalversion/printers.go,
// spec §7.1 and the API spec §5.2), as meta.k8s.io/v1 Table column definitions and row cells. One
// implementation: the admin API answers `Accept: …;as=Table` with it, and `switchyard get` prints
// the Tables it receives. Cells are computed as the server does (all columns, no truncation: the
// client drops priority-1 columns unless -o wide). Pure; any thread.
import type { ApiKindName, ApiObject, Endpoints, EndpointSlice, KubeEvent, Pod, Service } from '../model/types.ts';
import { age } from '../model/human-duration.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { formatLabels } from '../model/selector.ts';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: (string | number)[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

const col = (name: string, description: string, priority = 0, format = '', type: TableColumn['type'] = 'string'): TableColumn =>
  ({ name, type, format, description, priority });
const NAME = col('Name', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.', 0, 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

export const TABLE_COLUMNS: Record<ApiKindName, TableColumn[]> = {
  Service: [NAME, col('Type', 'type determines how the Service is exposed.'), col('Cluster-IP', 'clusterIP is the IP address of the service.'),
    col('External-IP', 'List of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'), AGE,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1)],
  Endpoints: [NAME, col('Endpoints', 'Endpoints is the list of endpoints of the service.'), AGE],
  EndpointSlice: [NAME, col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'), AGE],
  Pod: [NAME, col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'), col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE, col('IP', 'IP address allocated to the pod.', 1), col('Node', 'Name of the Node this pod is assigned to.', 1),
    col('Nominated Node', 'Name of the node this pod is nominated to run on.', 1), col('Readiness Gates', 'All readiness gates and their status.', 1)],
  Event: [col('Last Seen', 'Time when this Event was last seen.'), col('Type', 'Type of this event (Normal, Warning).'),
    col('Reason', 'Why the action was taken.'), col('Object', 'The object that this event is about.'),
    col('Subobject', 'The subobject that this event is about.', 1), col('Source', 'The component reporting this event.', 1),
    col('Message', 'A human-readable description of the status of this operation.'), col('First Seen', 'Time when this Event was first seen.', 1),
    col('Count', 'The number of times this event has occurred.', 1, '', 'integer'), col('Name', 'Name of the event.', 1, 'name')],
  Namespace: [NAME, col('Status', 'The status of the namespace'), AGE],
  Lease: [NAME, col('Holder', 'The holder of the lease.'), AGE],
};

/** printers.go listWithMoreString: `a,b,c + N more...`, or `<unset>` when empty. */
function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

const LOAD_BALANCER_WIDTH = 16;

function loadBalancerIngress(svc: Service, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = r.slice(0, LOAD_BALANCER_WIDTH - 3) + '...';
  return r;
}

/** EXTERNAL-IP cell (printers.go getServiceExternalIP). */
export function serviceExternalIP(svc: Service, wide: boolean): string {
  const externalIPs = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc, wide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** PORT(S) cell (printers.go makePortString). */
export function servicePorts(svc: Service): string {
  const s = (svc.spec.ports ?? []).map((p) => {
    const proto = p.protocol ?? 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  }).join(',');
  return s || '<none>';
}

/** ENDPOINTS cell of `get endpoints` (printers.go formatEndpoints with no port filter). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    // A headless Service's Endpoints may have no ports: list bare IPs.
    const targets = ports.length === 0 ? [undefined] : ports.map((p) => p.port);
    for (const port of targets) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

/** PORTS cell of `get endpointslices` (printers.go formatDiscoveryPorts). */
export function formatSlicePorts(slice: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of slice.ports ?? []) {
    if (list.length < 3) list.push(p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : '*');
    else more = true;
    count++;
  }
  return listWithMore(list, more, count, 3);
}

/** ENDPOINTS cell of `get endpointslices`: every address, ready or not (formatDiscoveryEndpoints). */
export function formatSliceEndpoints(slice: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of slice.endpoints ?? []) {
    for (const a of e.addresses ?? []) {
      if (list.length < 3) list.push(a);
      else more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, 3);
}

/** A switchyard Pod describes a backend that already runs: with an IP and no phase it is Running. */
export function podPhase(pod: Pod): string {
  return pod.status?.phase ?? (pod.status?.podIP ? 'Running' : 'Pending');
}

function podReadyCount(pod: Pod): string {
  const total = pod.spec?.containers?.length ?? 0;
  // switchyard has no per-container status; a Pod's Ready condition stands for all its containers.
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? total : 0;
  return `${ready}/${total}`;
}

/** kubectl's OBJECT cell of an event: `kind/name` in lower case (printers.go printEvent). */
function eventObject(e: KubeEvent): string {
  return `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`;
}

/** All cells of one row, priority-1 columns included. */
export function rowCells(obj: ApiObject, now: number, wide = true): (string | number)[] {
  const name = obj.metadata.name ?? '';
  const created = age(obj.metadata.creationTimestamp, now);
  switch (obj.kind) {
    case 'Service': {
      const clusterIPs = obj.spec.clusterIPs ?? (obj.spec.clusterIP ? [obj.spec.clusterIP] : []);
      return [name, obj.spec.type ?? 'ClusterIP', clusterIPs[0] ?? '<none>', serviceExternalIP(obj, wide),
        servicePorts(obj), created, formatLabels(obj.spec.selector ?? {})];
    }
    case 'Endpoints':
      return [name, formatEndpoints(obj), created];
    case 'EndpointSlice':
      return [name, obj.addressType, formatSlicePorts(obj), formatSliceEndpoints(obj), created];
    case 'Pod':
      return [name, podReadyCount(obj), podPhase(obj), '0', created,
        obj.status?.podIP || '<none>', obj.spec?.nodeName || '<none>', '<none>', '<none>'];
    case 'Event':
      return [age((obj.lastTimestamp ?? obj.eventTime ?? obj.metadata.creationTimestamp) ?? undefined, now), obj.type, obj.reason, eventObject(obj),
        obj.involvedObject.fieldPath ?? '', obj.source?.component ?? obj.reportingComponent ?? '', obj.message.trim(),
        age((obj.firstTimestamp ?? obj.eventTime ?? obj.metadata.creationTimestamp) ?? undefined, now), obj.count ?? 1, name];
    case 'Namespace':
      return [name, obj.status?.phase ?? 'Active', created];
    case 'Lease':
      return [name, obj.spec.holderIdentity ?? '', created];
  }
}

/** `includeObject` of a Table request: what each row carries besides its cells. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The Table of `objects` (all of `kind`), as the API server answers a Table request. */
export function buildTable(kind: ApiKindName, objects: readonly ApiObject[], now: number, include: IncludeObject = 'Metadata'): Table {
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
    columnDefinitions: TABLE_COLUMNS[kind],
    rows: objects.map((o) => {
      const row: TableRow = { cells: rowCells(o, now) };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}

