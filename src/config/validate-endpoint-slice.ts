// ValidateEndpointSlice (k8s pkg/apis/discovery/validation, spec §3.2) with switchyard's
// deliberate differences: loopback addresses are valid, and an FQDN address may be a single DNS
// label (docker compose service names such as `nginx`), since switchyard resolves it itself.
// Pure; any thread.
import type { EndpointSlice } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { duplicate, invalid, notSupported, required, tooManyItems } from '../model/field-errors.ts';
import { parseIP, validateNonSpecialIP } from '../model/ip-address.ts';
import { each, isDNS1123Subdomain, isValidPortNum, nameIsDNSSubdomain, validateDNS1123Label, validateLabels, validateQualifiedName } from './name-formats.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validateProtocol } from './validate-service-ports.ts';

const SLICE_LIMITS = { endpoints: 1000, addresses: 100, ports: 100, hints: 8, topologyLabels: 16 } as const;
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function validateAddress(addressType: string, address: string, path: string): FieldError[] {
  if (addressType === 'IPv4' || addressType === 'IPv6') {
    const want = addressType === 'IPv4' ? 4 : 6;
    if (parseIP(address)?.family !== want) return [invalid(path, address, `must be a valid ${addressType} address`)];
    return validateNonSpecialIP(address, path);
  }
  if (addressType === 'FQDN') {
    if (address.length === 0) return [required(path)];
    const name = address.replace(/\.$/, '');
    const msgs = isDNS1123Subdomain(name);
    return msgs.length ? [invalid(path, name, msgs.join(','))] : [];
  }
  return [];
}

function validateEndpoints(slice: EndpointSlice): FieldError[] {
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > SLICE_LIMITS.endpoints) return [tooManyItems('endpoints', endpoints.length, SLICE_LIMITS.endpoints)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > SLICE_LIMITS.addresses) errs.push(tooManyItems(`${path}.addresses`, addresses.length, SLICE_LIMITS.addresses));
    addresses.forEach((a, j) => errs.push(...validateAddress(slice.addressType, a, `${path}.addresses[${j}]`)));
    if (ep.nodeName !== undefined) errs.push(...each(`${path}.nodeName`, ep.nodeName, nameIsDNSSubdomain(ep.nodeName, false)));
    if (ep.hostname !== undefined) errs.push(...validateDNS1123Label(ep.hostname, `${path}.hostname`));
    const raw = ep as { deprecatedTopology?: Record<string, string>; hints?: { forZones?: unknown[]; forNodes?: unknown[] } };
    const topo = raw.deprecatedTopology;
    if (topo && Object.keys(topo).length > SLICE_LIMITS.topologyLabels) {
      errs.push(tooManyItems(`${path}.deprecatedTopology`, Object.keys(topo).length, SLICE_LIMITS.topologyLabels));
    }
    if (topo) errs.push(...validateLabels(topo, `${path}.deprecatedTopology`));
    for (const h of ['forZones', 'forNodes'] as const) {
      const n = raw.hints?.[h]?.length ?? 0;
      if (n > SLICE_LIMITS.hints) errs.push(tooManyItems(`${path}.hints.${h}`, n, SLICE_LIMITS.hints));
    }
  });
  return errs;
}

function validatePorts(slice: EndpointSlice): FieldError[] {
  const ports = slice.ports ?? [];
  if (ports.length > SLICE_LIMITS.ports) return [tooManyItems('ports', ports.length, SLICE_LIMITS.ports)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = p.name ?? '';
    if (name.length > 0) errs.push(...validateDNS1123Label(name, `${path}.name`));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
    // Upstream leaves the number unchecked (kube-proxy ignores nil/0); a set number must be a port.
    if (p.port !== undefined) errs.push(...each(`${path}.port`, p.port, isValidPortNum(p.port)));
    errs.push(...validateProtocol(p.protocol, `${path}.protocol`));
    if (p.appProtocol !== undefined) errs.push(...validateQualifiedName(p.appProtocol, `${path}.appProtocol`));
  });
  return errs;
}

export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, nameIsDNSSubdomain);
  if (!slice.addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(slice.addressType)) errs.push(notSupported('addressType', slice.addressType, ADDRESS_TYPES));
  errs.push(...validateEndpoints(slice));
  errs.push(...validatePorts(slice));
  return errs;
}
