// `kubectl get` tables for the served kinds: the server-side table columns of
// pkg/printers/internalversion/printers.go (spec §7.1) laid out by cli-runtime's table printer.
// Pure; runs in the CLI process.
import type { Endpoints, EndpointSlice, KindName, KubeObject, Pod, Service } from '../../model/types.ts';
import { age } from '../../model/human-duration.ts';
import { joinHostPort } from '../../model/ip-address.ts';
import { formatLabels } from '../../model/selector.ts';
import { GET_TABLE_OPTIONS, TabWriter } from './tab-writer.ts';

export interface TableOptions {
  wide?: boolean;
  /** Prepends the NAMESPACE column (`-A`). */
  allNamespaces?: boolean;
  /** Reference time for AGE, ms since the epoch. */
  now: number;
}

interface Column { name: string; wide?: boolean }

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

const COLUMNS: Record<KindName, Column[]> = {
  Service: [{ name: 'NAME' }, { name: 'TYPE' }, { name: 'CLUSTER-IP' }, { name: 'EXTERNAL-IP' }, { name: 'PORT(S)' }, { name: 'AGE' }, { name: 'SELECTOR', wide: true }],
  Endpoints: [{ name: 'NAME' }, { name: 'ENDPOINTS' }, { name: 'AGE' }],
  EndpointSlice: [{ name: 'NAME' }, { name: 'ADDRESSTYPE' }, { name: 'PORTS' }, { name: 'ENDPOINTS' }, { name: 'AGE' }],
  Pod: [{ name: 'NAME' }, { name: 'READY' }, { name: 'STATUS' }, { name: 'RESTARTS' }, { name: 'AGE' },
    { name: 'IP', wide: true }, { name: 'NODE', wide: true }, { name: 'NOMINATED NODE', wide: true }, { name: 'READINESS GATES', wide: true }],
};

/** All cells of one row, wide columns included (the caller drops them when not wide). */
export function rowCells(obj: KubeObject, opts: TableOptions): string[] {
  const name = obj.metadata.name ?? '';
  const created = age(obj.metadata.creationTimestamp, opts.now);
  switch (obj.kind) {
    case 'Service': {
      const clusterIPs = obj.spec.clusterIPs ?? (obj.spec.clusterIP ? [obj.spec.clusterIP] : []);
      return [name, obj.spec.type ?? 'ClusterIP', clusterIPs[0] ?? '<none>', serviceExternalIP(obj, !!opts.wide),
        servicePorts(obj), created, formatLabels(obj.spec.selector ?? {})];
    }
    case 'Endpoints':
      return [name, formatEndpoints(obj), created];
    case 'EndpointSlice':
      return [name, obj.addressType, formatSlicePorts(obj), formatSliceEndpoints(obj), created];
    case 'Pod':
      return [name, podReadyCount(obj), podPhase(obj), '0', created,
        obj.status?.podIP || '<none>', obj.spec?.nodeName || '<none>', '<none>', '<none>'];
  }
}

/** Renders objects of one kind as kubectl's table; the header is printed even for zero rows. */
export function renderTable(kind: KindName, objects: KubeObject[], opts: TableOptions): string {
  const cols = COLUMNS[kind];
  const keep = cols.map((c) => !c.wide || !!opts.wide);
  const pick = (cells: string[]) => cells.filter((_, i) => keep[i]);
  const w = new TabWriter(GET_TABLE_OPTIONS);
  const header = pick(cols.map((c) => c.name));
  w.write((opts.allNamespaces ? ['NAMESPACE', ...header] : header).join('\t') + '\n');
  for (const obj of objects) {
    // Tabs or newlines inside a cell would break the layout; kubectl cuts a cell at its first newline.
    const cells = pick(rowCells(obj, opts)).map((c) => c.split(/[\n\r\f]/)[0].replace(/\t/g, ' '));
    w.write((opts.allNamespaces ? [obj.metadata.namespace ?? '', ...cells] : cells).join('\t') + '\n');
  }
  return w.take();
}
