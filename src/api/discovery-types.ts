// discovery.k8s.io/v1 EndpointSlice. Pure.
import { objectReference, topLevel } from './meta-types.ts';
import { any, atomicList, bool, defineType, int, str, strMap, withDescription } from './schema.ts';

const D = 'io.k8s.api.discovery.v1.';

const endpointConditions = defineType({
  name: `${D}EndpointConditions`,
  description: 'EndpointConditions represents the current condition of an endpoint.',
  properties: {
    ready: bool('ready indicates that this endpoint is prepared to receive traffic, according to whatever system is managing the endpoint.'),
    serving: bool('serving is identical to ready except that it is set regardless of the terminating state of endpoints.'),
    terminating: bool('terminating indicates that this endpoint is terminating.'),
  },
});

const endpoint = defineType({
  name: `${D}Endpoint`,
  description: 'Endpoint represents a single logical "backend" implementing a service.',
  properties: {
    addresses: { type: 'array', items: { type: 'string' }, listType: 'set', description: 'addresses of this endpoint. The contents of this field are interpreted according to the corresponding EndpointSlice addressType field.' },
    conditions: withDescription(endpointConditions, 'conditions contains information about the current status of the endpoint.'),
    hostname: str('hostname of this endpoint.'),
    targetRef: withDescription(objectReference, 'targetRef is a reference to a Kubernetes object that represents this endpoint.'),
    deprecatedTopology: strMap('deprecatedTopology contains topology information part of the v1beta1 API.'),
    nodeName: str('nodeName represents the name of the Node hosting this endpoint.'),
    zone: str('zone is the name of the Zone this endpoint exists in.'),
    hints: any('hints contains information associated with how an endpoint should be consumed.'),
  },
  required: ['addresses'],
});

const endpointPort = defineType({
  name: `${D}EndpointPort`,
  description: 'EndpointPort represents a Port used by an EndpointSlice',
  properties: {
    name: str('name represents the name of this port. All ports in an EndpointSlice must have a unique name.'),
    protocol: str('protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
    port: int('port represents the port number of the endpoint.'),
    appProtocol: str('The application protocol for this port.'),
  },
});

export const endpointSlice = defineType({
  name: `${D}EndpointSlice`,
  description: 'EndpointSlice represents a subset of the endpoints that implement a service. For a given service there may be multiple EndpointSlice objects, selected by labels, which must be joined to produce the full set of endpoints.',
  properties: topLevel({
    addressType: str('addressType specifies the type of address carried by this EndpointSlice. switchyard re-resolves FQDN slices through DNS.', { enum: ['FQDN', 'IPv4', 'IPv6'] }),
    endpoints: atomicList(endpoint, 'endpoints is a list of unique endpoints in this slice.'),
    ports: atomicList(endpointPort, 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
  }),
  required: ['addressType', 'endpoints'],
  gvk: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' },
});
