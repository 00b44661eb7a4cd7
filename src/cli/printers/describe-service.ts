// `kubectl describe service` (S18 describeService, spec §7.2). Pure; runs in the CLI process.
import type { EndpointSlice, KubeEvent, Service } from '../../model/types.ts';
import type { ServiceStatus } from '../../model/status-document.ts';
import { formatLabels } from '../../model/selector.ts';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer.ts';
import { joinHostPort } from '../../model/ip-address.ts';
import { causesText } from '../../web/status-markup.ts';

/** The Endpoints line for one Service port: ready addresses of the Service's slices (formatEndpointSlices). */
export function formatEndpointSlices(slices: EndpointSlice[], portName: string): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const add = (addr: string | undefined, ready: boolean) => {
    if (list.length === max) more = true;
    if (!more && ready && addr !== undefined) list.push(addr);
    count++;
  };
  for (const slice of slices) {
    const endpoints = slice.endpoints ?? [];
    const isReady = (i: number) => endpoints[i].conditions?.ready !== false;
    if ((slice.ports ?? []).length === 0) {
      // A headless Service may have slices without ports: list bare IPs.
      endpoints.forEach((e, i) => add(e.addresses[0], isReady(i)));
      continue;
    }
    for (const port of slice.ports ?? []) {
      if ((port.name ?? '') !== portName) continue;
      endpoints.forEach((e, i) => add(e.addresses[0] === undefined ? undefined : joinHostPort(e.addresses[0], port.port ?? 0), isReady(i)));
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function ingressString(svc: Service): string {
  return (svc.status?.loadBalancer?.ingress ?? []).map((ing) => {
    if (ing.ip) return ing.ipMode ? `${ing.ip} (${ing.ipMode})` : ing.ip;
    return ing.hostname ?? '';
  }).join(', ');
}

/** A UDP port's flows from the server's /status.json (switchyard's addition to kubectl's layout). */
function flowsLine(status: ServiceStatus | undefined, label: string): string | undefined {
  const p = status?.ports.find((x) => x.port === label);
  if (!p?.udp) return undefined;
  return `${p.activeConnections} live, ${p.connectionsTotal} created, ${p.udp.datagramsReceived} datagrams in, ${p.udp.datagramsSent} out, ${causesText(p.udp.drops)} dropped`;
}

/** The whole describe text. `slices` are the Service's own (label kubernetes.io/service-name);
 *  `status`, its live figures from /status.json when the server gave them. */
export function describeService(svc: Service, slices: EndpointSlice[], events: KubeEvent[], now: number, status?: ServiceStatus): string {
  const w = new DescribeWriter();
  const spec = svc.spec;
  w.write(0, `Name:\t${svc.metadata.name ?? ''}\n`);
  w.write(0, `Namespace:\t${svc.metadata.namespace ?? ''}\n`);
  writeLabels(w, 'Labels', svc.metadata.labels);
  writeAnnotations(w, svc.metadata.annotations);
  w.write(0, `Selector:\t${formatLabels(spec.selector ?? {})}\n`);
  w.write(0, `Type:\t${spec.type ?? ''}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalIPs?.length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  if (svc.status?.loadBalancer?.ingress?.length) w.write(0, `LoadBalancer Ingress:\t${ingressString(svc)}\n`);
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol ?? 'TCP';
    w.write(0, `Port:\t${name}\t${p.port}/${proto}\n`);
    w.write(0, `TargetPort:\t${p.targetPort ?? p.port}/${proto}\n`);
    if (p.appProtocol) w.write(0, `AppProtocol:\t${p.appProtocol}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${proto}\n`);
    w.write(0, `Endpoints:\t${formatEndpointSlices(slices, p.name ?? '')}\n`);
    const flows = proto === 'UDP' ? flowsLine(status, `${p.name || p.port}/UDP`) : undefined;
    if (flows) w.write(0, `Flows:\t${flows}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  if (spec.loadBalancerSourceRanges?.length) w.write(0, `LoadBalancer Source Ranges:\t${spec.loadBalancerSourceRanges.join(',')}\n`);
  if (spec.trafficDistribution) w.write(0, `Traffic Distribution:\t${spec.trafficDistribution}\n`);
  writeEvents(w, events, now);
  return w.take();
}
