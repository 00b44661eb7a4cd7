// core/v1 Service, Endpoints, Namespace and Event, as switchyard serves them. Pure.
import { objectMeta, objectReference, topLevel } from './meta-types.ts';
import { any, atomicList, bool, defineType, int, intOrString, mapList, str, strList, strMap, time, withDescription } from './schema.ts';

const C = 'io.k8s.api.core.v1.';
const PROTOCOL = str('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.', { enum: ['SCTP', 'TCP', 'UDP'] });

export const servicePort = defineType({
  name: `${C}ServicePort`,
  description: "ServicePort contains information on service's port.",
  properties: {
    name: str("The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names. When considering the endpoints for a Service, this must match the 'name' field in the EndpointPort. Optional if only one ServicePort is defined on this service."),
    protocol: PROTOCOL,
    appProtocol: str('The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.'),
    port: int('The port that will be exposed by this service.'),
    targetPort: intOrString("Number or name of the port to access on the pods targeted by the service. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME. If this is a string, it will be looked up as a named port in the target Pod's container ports. If this is not specified, the value of the 'port' field is used (an identity map)."),
    nodePort: int('The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system. If a value is specified, in-range, and not in use it will be used, otherwise the operation will fail.'),
  },
  required: ['port'],
});

const sessionAffinityConfig = defineType({
  name: `${C}SessionAffinityConfig`,
  description: 'SessionAffinityConfig represents the configurations of session affinity.',
  properties: {
    clientIP: withDescription(defineType({
      name: `${C}ClientIPConfig`,
      description: 'ClientIPConfig represents the configurations of Client IP based session affinity.',
      properties: { timeoutSeconds: int('timeoutSeconds specifies the seconds of ClientIP type session sticky time. The value must be >0 && <=86400(for 1 day) if ServiceAffinity == "ClientIP". Default value is 10800(for 3 hours).') },
    }), 'clientIP contains the configurations of Client IP based session affinity.'),
  },
});

const serviceSpec = defineType({
  name: `${C}ServiceSpec`,
  description: 'ServiceSpec describes the attributes that a user creates on a service.',
  properties: {
    ports: mapList(servicePort, 'The list of ports that are exposed by this service.', ['port', 'protocol'], 'port'),
    selector: strMap('Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify.'),
    clusterIP: str('clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName. Valid values are "None", empty string (""), or a valid IP address.'),
    clusterIPs: strList('ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly. The first address must match clusterIP.'),
    type: str('type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.', { enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] }),
    externalIPs: strList('externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    sessionAffinity: str('Supports "ClientIP" and "None". Used to maintain session affinity. Enable client IP based session affinity. Must be ClientIP or None. Defaults to None.', { enum: ['ClientIP', 'None'] }),
    loadBalancerIP: str('Only applies to Service Type: LoadBalancer. This feature depends on whether the underlying cloud-provider supports specifying the loadBalancerIP when a load balancer is created.'),
    loadBalancerSourceRanges: strList('If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.'),
    externalName: str('externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Must be a lowercase RFC-1123 hostname and requires `type` to be "ExternalName".'),
    externalTrafficPolicy: str('externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses (NodePorts, ExternalIPs, and LoadBalancer IPs).', { enum: ['Cluster', 'Local'] }),
    healthCheckNodePort: int('healthCheckNodePort specifies the healthcheck nodePort for the service. This only applies when type is set to LoadBalancer and externalTrafficPolicy is set to Local.'),
    publishNotReadyAddresses: bool("publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready."),
    sessionAffinityConfig: withDescription(sessionAffinityConfig, 'sessionAffinityConfig contains the configurations of session affinity.'),
    ipFamilies: strList('IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.'),
    ipFamilyPolicy: str('IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.', { enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'] }),
    allocateLoadBalancerNodePorts: bool('allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer. Default is "true".'),
    loadBalancerClass: str('loadBalancerClass is the class of the load balancer implementation this Service belongs to.'),
    internalTrafficPolicy: str('InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.', { enum: ['Cluster', 'Local'] }),
    trafficDistribution: str('TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.'),
  },
});

const condition = defineType({
  name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition',
  description: 'Condition contains details for one aspect of the current state of this API Resource.',
  properties: {
    type: str('type of condition in CamelCase or in foo.example.com/CamelCase.'),
    status: str('status of the condition, one of True, False, Unknown.'),
    observedGeneration: int('observedGeneration represents the .metadata.generation that the condition was set based upon.', 'int64'),
    lastTransitionTime: time('lastTransitionTime is the last time the condition transitioned from one status to another.'),
    reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
    message: str('message is a human readable message indicating details about the transition.'),
  },
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
});

const loadBalancerIngress = defineType({
  name: `${C}LoadBalancerIngress`,
  description: 'LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.',
  properties: {
    ip: str('IP is set for load-balancer ingress points that are IP based.'),
    hostname: str('Hostname is set for load-balancer ingress points that are DNS based.'),
    ipMode: str('IPMode specifies how the load-balancer IP behaves, and may only be specified when the ip field is specified.'),
    ports: any('Ports is a list of records of service ports.'),
  },
});

const serviceStatus = defineType({
  name: `${C}ServiceStatus`,
  description: 'ServiceStatus represents the current status of a service.',
  properties: {
    loadBalancer: withDescription(defineType({
      name: `${C}LoadBalancerStatus`,
      description: 'LoadBalancerStatus represents the status of a load-balancer.',
      properties: { ingress: atomicList(loadBalancerIngress, 'Ingress is a list containing ingress points for the load-balancer.') },
    }), 'LoadBalancer contains the current status of the load-balancer, if one is present.'),
    conditions: mapList(condition, 'Current service state', ['type']),
  },
});

export const service = defineType({
  name: `${C}Service`,
  description: 'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
  properties: topLevel({
    spec: withDescription(serviceSpec, 'Spec defines the behavior of a service.'),
    status: withDescription(serviceStatus, 'Most recently observed status of the service. Populated by the system. Read-only.'),
  }),
  gvk: { group: '', version: 'v1', kind: 'Service' },
});

const endpointAddress = defineType({
  name: `${C}EndpointAddress`,
  description: 'EndpointAddress is a tuple that describes single IP address.',
  properties: {
    ip: str('The IP of this endpoint.'),
    hostname: str('The Hostname of this endpoint'),
    nodeName: str('Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.'),
    targetRef: withDescription(objectReference, 'Reference to object providing the endpoint.'),
  },
  required: ['ip'],
});

const endpointPort = defineType({
  name: `${C}EndpointPort`,
  description: 'EndpointPort is a tuple that describes a single port.',
  properties: {
    name: str('The name of this port. This must match the \'name\' field in the corresponding ServicePort.'),
    port: int('The port number of the endpoint.'),
    protocol: PROTOCOL,
    appProtocol: str('The application protocol for this port.'),
  },
  required: ['port'],
});

const endpointSubset = defineType({
  name: `${C}EndpointSubset`,
  description: 'EndpointSubset is a group of addresses with a common set of ports.',
  properties: {
    addresses: atomicList(endpointAddress, 'IP addresses which offer the related ports that are marked as ready.'),
    notReadyAddresses: atomicList(endpointAddress, 'IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.'),
    ports: atomicList(endpointPort, 'Port numbers available on the related IP addresses.'),
  },
});

export const endpoints = defineType({
  name: `${C}Endpoints`,
  description: 'Endpoints is a collection of endpoints that implement the actual service.',
  properties: topLevel({
    subsets: atomicList(endpointSubset, 'The set of all endpoints is the union of all subsets.'),
  }),
  gvk: { group: '', version: 'v1', kind: 'Endpoints' },
});

export const namespace = defineType({
  name: `${C}Namespace`,
  description: 'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
  properties: topLevel({
    spec: withDescription(defineType({
      name: `${C}NamespaceSpec`,
      description: 'NamespaceSpec describes the attributes on a Namespace.',
      properties: { finalizers: strList('Finalizers is an opaque list of values that must be empty to permanently remove object from storage.') },
    }), 'Spec defines the behavior of the Namespace.'),
    status: withDescription(defineType({
      name: `${C}NamespaceStatus`,
      description: 'NamespaceStatus is information about the current status of a Namespace.',
      properties: {
        phase: str('Phase is the current lifecycle phase of the namespace.', { enum: ['Active', 'Terminating'] }),
        conditions: mapList(any('NamespaceCondition contains details about state of namespace.'), 'Represents the latest available observations of a namespace\'s current state.', ['type']),
      },
    }), 'Status describes the current status of a Namespace.'),
  }),
  gvk: { group: '', version: 'v1', kind: 'Namespace' },
});

export const event = defineType({
  name: `${C}Event`,
  description: 'Event is a report of an event somewhere in the cluster.',
  properties: topLevel({
    involvedObject: withDescription(objectReference, 'The object that this event is about.'),
    reason: str('This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    message: str('A human-readable description of the status of this operation.'),
    source: withDescription(defineType({
      name: `${C}EventSource`,
      description: 'EventSource contains information for an event.',
      properties: { component: str('Component from which the event is generated.'), host: str('Node name on which the event is generated.') },
    }), 'The component reporting this event. Should be a short machine understandable string.'),
    firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
    count: int('The number of times this event has occurred.'),
    type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    eventTime: { type: 'string', format: 'date-time', description: 'Time when this Event was first observed.' },
    series: any('Data about the Event series this event represents or nil if it\'s a singleton Event.'),
    action: str('What action was taken/failed regarding to the Regarding object.'),
    related: withDescription(objectReference, 'Optional secondary object for more complex actions.'),
    reportingComponent: str('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
    reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.'),
  }),
  required: ['metadata', 'involvedObject'],
  gvk: { group: '', version: 'v1', kind: 'Event' },
});

export { objectMeta };
