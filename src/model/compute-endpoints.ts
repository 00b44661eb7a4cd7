// The legacy Endpoints controller (spec §3.3 left column; k8s pkg/controller/endpoint
// endpoints_controller.go `syncService`): the v1 Endpoints a selector Service should have.
// Runs on the main thread (control plane) on every relevant change. Pure.
import { selectedPods } from './compute-endpoint-slices.ts';
import { findPort } from './find-port.ts';
import { isServiceIPSet } from './is-service-ip-set.ts';
import { isIPv6String } from './ip-address.ts';
import { namespaceOf } from './namespace-of.ts';
import { podIPs, shouldPodBeInEndpoints, shouldSetHostname } from './pod-ready.ts';
import { repackSubsets } from './repack-subsets.ts';
import { hasSelector } from './selector.ts';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from './types.ts';
import { ANNOTATION_OVER_CAPACITY, LABEL_HEADLESS } from './well-known-labels.ts';

/** `maxCapacity`: addresses an Endpoints object may hold before the controller truncates it. */
const MAX_ENDPOINTS_CAPACITY = 1000;

/** `podToEndpointAddressForService`: the Pod IP of the Service's (first) family, if the Pod has one. */
function podAddress(service: Service, pod: Pod): EndpointAddress | undefined {
  let v6: boolean;
  if (service.spec.ipFamilies && service.spec.ipFamilies.length > 0) v6 = service.spec.ipFamilies[0] === 'IPv6';
  else if (isServiceIPSet(service)) v6 = isIPv6String(service.spec.clusterIP);
  // Headless without families: guess from the Pod's primary IP, as upstream does.
  else v6 = isIPv6String(pod.status?.podIP ?? podIPs(pod)[0]);
  const ip = podIPs(pod).find((a) => isIPv6String(a) === v6);
  if (ip === undefined) return undefined;
  const addr: EndpointAddress = { ip };
  if (pod.spec.nodeName) addr.nodeName = pod.spec.nodeName;
  addr.targetRef = { kind: 'Pod', namespace: namespaceOf(pod.metadata), name: pod.metadata.name };
  if (pod.metadata.uid) addr.targetRef.uid = pod.metadata.uid;
  return addr;
}

/**
 * `truncateEndpoints`: keep at most 1000 addresses, ready ones first, shared between subsets in
 * proportion to their size (rounded up, so the last subsets may get fewer). Mutates `subsets`;
 * returns whether anything was cut.
 */
function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const numInSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((numInSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  return true;
}

/**
 * The Endpoints object named after `service`: ready Pods (or all, with publishNotReadyAddresses)
 * under `addresses`, the rest under `notReadyAddresses`; terminating Pods only with
 * publishNotReadyAddresses; a Pod that cannot resolve a Service port is left out of that port only.
 * undefined for ExternalName and selector-less Services, which get no controller-made Endpoints.
 */
export function computeEndpoints(service: Service, pods: Pod[], isReady: (pod: Pod) => boolean): Endpoints | undefined {
  if (service.spec.type === 'ExternalName' || !hasSelector(service.spec.selector)) return undefined;
  const pnra = !!service.spec.publishNotReadyAddresses;
  const svcPorts = service.spec.ports ?? [];
  const raw: EndpointSubset[] = [];
  const add = (addr: EndpointAddress, ready: boolean, port: EndpointPort | undefined) => {
    const ports = port ? [port] : [];
    raw.push(ready ? { addresses: [addr], ports } : { notReadyAddresses: [addr], ports });
  };
  for (const pod of selectedPods(service, pods)) {
    if (!shouldPodBeInEndpoints(pod, pnra)) continue;
    const addr = podAddress(service, pod);
    if (!addr) continue;
    if (shouldSetHostname(pod, service)) addr.hostname = pod.spec.hostname;
    const ready = pnra || isReady(pod);
    if (svcPorts.length === 0) {
      // Only a headless Service may have no ports; its Pods are published as bare addresses.
      if (service.spec.clusterIP === 'None') add(addr, ready, undefined);
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const epp: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) epp.name = sp.name;
      if (sp.appProtocol !== undefined) epp.appProtocol = sp.appProtocol;
      add({ ...addr }, ready, epp);
    }
  }
  const subsets = repackSubsets(raw);

  const metadata: Endpoints['metadata'] = { name: service.metadata.name, namespace: namespaceOf(service.metadata) };
  const labels: Record<string, string> = { ...service.metadata.labels };
  if (isServiceIPSet(service)) delete labels[LABEL_HEADLESS];
  else labels[LABEL_HEADLESS] = '';
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (truncateSubsets(subsets)) metadata.annotations = { [ANNOTATION_OVER_CAPACITY]: 'truncated' };
  return { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets };
}
