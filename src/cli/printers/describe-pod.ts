// `kubectl describe pod` (S18 describePod), reduced to what a switchyard Pod carries: no images
// pulled, no restarts, no volumes — a Pod here describes a backend that already runs elsewhere.
// Pure; runs in the CLI process.
import type { KubeEvent, Pod, Probe } from '../../model/types.ts';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer.ts';
import { joinHostPort } from '../../model/ip-address.ts';
import { podPhase } from '../../api/table-columns.ts';

/** kubectl DescribeProbe, with the API's defaults filled in for unset fields. */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s ` +
    `#success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${p.exec.command.join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    return `http-get ${scheme}://${joinHostPort(p.httpGet.host ?? '', p.httpGet.port)}${p.httpGet.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

export function describePod(pod: Pod, events: KubeEvent[], now: number): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${pod.metadata.name ?? ''}\n`);
  w.write(0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
  w.write(0, `Node:\t${pod.spec?.nodeName || '<none>'}\n`);
  writeLabels(w, 'Labels', pod.metadata.labels);
  writeAnnotations(w, pod.metadata.annotations);
  w.write(0, `Status:\t${podPhase(pod)}\n`);
  w.write(0, `IP:\t${pod.status?.podIP ?? ''}\n`);
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : (pod.status?.podIP ? [pod.status.podIP] : []);
  if (ips.length === 0) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${ip}\n`);
  }
  w.write(0, 'Containers:\n');
  for (const c of pod.spec?.containers ?? []) {
    w.write(1, `${c.name}:\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
    if (ports.includes(',')) w.write(2, `Ports:\t${ports}\n`);
    else w.write(2, `Port:\t${ports || '<none>'}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
  }
  const conditions = pod.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  writeEvents(w, events, now);
  return w.take();
}
