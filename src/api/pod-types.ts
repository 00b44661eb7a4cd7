// core/v1 Pod as switchyard serves it: every upstream field of PodSpec, Container and PodStatus is
// known (so strict validation does not refuse real manifests); the ones switchyard does not act
// on keep whatever JSON they hold. Pure.
import { objectMeta, topLevel } from './meta-types.ts';
import { any, atomicList, bool, defineType, int, intOrString, mapList, str, strList, strMap, time, withDescription, type Schema } from './schema.ts';

const C = 'io.k8s.api.core.v1.';
const opaque = (names: string[]): Record<string, Schema> => Object.fromEntries(names.map((n) => [n, any(`See the Kubernetes API reference for ${n}; switchyard keeps it as given.`)]));

const containerPort = defineType({
  name: `${C}ContainerPort`,
  description: 'ContainerPort represents a network port in a single container.',
  properties: {
    name: str('If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.'),
    hostPort: int('Number of port to expose on the host.'),
    containerPort: int("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
    protocol: str('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', { enum: ['SCTP', 'TCP', 'UDP'] }),
    hostIP: str('What host IP to bind the external port to.'),
  },
  required: ['containerPort'],
});

const probe = defineType({
  name: `${C}Probe`,
  description: 'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
  properties: {
    tcpSocket: withDescription(defineType({
      name: `${C}TCPSocketAction`, description: 'TCPSocketAction describes an action based on opening a socket',
      properties: { port: intOrString('Number or name of the port to access on the container.'), host: str('Optional: Host name to connect to, defaults to the pod IP.') },
      required: ['port'],
    }), 'TCPSocket specifies a connection to a TCP port.'),
    httpGet: withDescription(defineType({
      name: `${C}HTTPGetAction`, description: 'HTTPGetAction describes an action based on HTTP Get requests.',
      properties: {
        path: str('Path to access on the HTTP server.'), port: intOrString('Name or number of the port to access on the container.'),
        host: str('Host name to connect to, defaults to the pod IP.'), scheme: str('Scheme to use for connecting to the host. Defaults to HTTP.', { enum: ['HTTP', 'HTTPS'] }),
        httpHeaders: atomicList(any('HTTPHeader describes a custom header to be used in HTTP probes'), 'Custom headers to set in the request. HTTP allows repeated headers.'),
      },
      required: ['port'],
    }), 'HTTPGet specifies an HTTP GET request to perform.'),
    exec: withDescription(defineType({
      name: `${C}ExecAction`, description: 'ExecAction describes a "run in container" action.',
      properties: { command: strList('Command is the command line to execute inside the container.') },
    }), 'Exec specifies a command to execute in the container.'),
    grpc: any('GRPC specifies a GRPC HealthCheckRequest.'),
    initialDelaySeconds: int('Number of seconds after the container has started before liveness probes are initiated.'),
    timeoutSeconds: int('Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.'),
    periodSeconds: int('How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.'),
    successThreshold: int('Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.'),
    failureThreshold: int('Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.'),
    terminationGracePeriodSeconds: int('Optional duration in seconds the pod needs to terminate gracefully upon probe failure.', 'int64'),
  },
});

const container = defineType({
  name: `${C}Container`,
  description: 'A single application container that you want to run within a pod.',
  properties: {
    name: str('Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.'),
    image: str('Container image name.'),
    command: strList('Entrypoint array. Not executed within a shell.'),
    args: strList('Arguments to the entrypoint.'),
    workingDir: str("Container's working directory."),
    ports: mapList(containerPort, 'List of ports to expose from the container. switchyard resolves named targetPorts of Services against them.', ['containerPort', 'protocol'], 'containerPort'),
    envFrom: atomicList(any('EnvFromSource represents the source of a set of ConfigMaps or Secrets'), 'List of sources to populate environment variables in the container.'),
    env: mapList(any('EnvVar represents an environment variable present in a Container.'), 'List of environment variables to set in the container.', ['name']),
    readinessProbe: withDescription(probe, 'Periodic probe of container service readiness. switchyard runs it (tcpSocket, httpGet, exec) and takes the Pod out of its Services\' endpoints while it fails.'),
    livenessProbe: withDescription(probe, 'Periodic probe of container liveness.'),
    startupProbe: withDescription(probe, 'StartupProbe indicates that the Pod has successfully initialized.'),
    restartPolicy: str('RestartPolicy defines the restart behavior of individual containers in a pod.'),
    volumeMounts: mapList(any('VolumeMount describes a mounting of a Volume within a container.'), 'Pod volumes to mount into the container\'s filesystem.', ['mountPath']),
    volumeDevices: mapList(any('volumeDevice describes a mapping of a raw block device within a container.'), 'volumeDevices is the list of block devices to be used by the container.', ['devicePath']),
    ...opaque(['resources', 'resizePolicy', 'lifecycle', 'securityContext']),
    terminationMessagePath: str('Optional: Path at which the file to which the container\'s termination message will be written is mounted into the container\'s filesystem.'),
    terminationMessagePolicy: str('Indicate how the termination message should be populated.'),
    imagePullPolicy: str('Image pull policy. One of Always, Never, IfNotPresent.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    stdin: bool('Whether this container should allocate a buffer for stdin in the container runtime.'),
    stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach.'),
    tty: bool('Whether this container should allocate a TTY for itself.'),
  },
  required: ['name'],
});

const podSpec = defineType({
  name: `${C}PodSpec`,
  description: 'PodSpec is a description of a pod.',
  properties: {
    containers: mapList(container, 'List of containers belonging to the pod.', ['name']),
    initContainers: mapList(container, 'List of initialization containers belonging to the pod.', ['name']),
    ephemeralContainers: mapList(any('An EphemeralContainer is a temporary container.'), 'List of ephemeral containers run in this pod.', ['name']),
    volumes: mapList(any('Volume represents a named volume in a pod.'), 'List of volumes that can be mounted by containers belonging to the pod.', ['name'], 'name', 'merge,retainKeys'),
    imagePullSecrets: mapList(any('LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.'), 'ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.', ['name']),
    hostAliases: mapList(any('HostAlias holds the mapping between IP and hostnames.'), 'HostAliases is an optional list of hosts and IPs that will be injected into the pod\'s hosts file if specified.', ['ip']),
    topologySpreadConstraints: mapList(any('TopologySpreadConstraint specifies how to spread matching pods among the given topology.'), 'TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.', ['topologyKey', 'whenUnsatisfiable'], 'topologyKey'),
    schedulingGates: mapList(any('PodSchedulingGate is associated to a Pod to guard its scheduling.'), 'SchedulingGates is an opaque list of values that if specified will block scheduling the pod.', ['name']),
    resourceClaims: mapList(any('PodResourceClaim references exactly one ResourceClaim.'), 'ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.', ['name'], 'name', 'merge,retainKeys'),
    readinessGates: atomicList(any('PodReadinessGate contains the reference to a pod condition'), 'If specified, all readiness gates will be evaluated for pod readiness.'),
    tolerations: atomicList(any('The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect>.'), "If specified, the pod's tolerations."),
    nodeSelector: strMap('NodeSelector is a selector which must be true for the pod to fit on a node.'),
    restartPolicy: str('Restart policy for all containers within the pod. One of Always, OnFailure, Never.', { enum: ['Always', 'Never', 'OnFailure'] }),
    terminationGracePeriodSeconds: int('Optional duration in seconds the pod needs to terminate gracefully.', 'int64'),
    activeDeadlineSeconds: int('Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.', 'int64'),
    dnsPolicy: str('Set DNS policy for the pod. Defaults to "ClusterFirst".'),
    serviceAccountName: str('ServiceAccountName is the name of the ServiceAccount to use to run this pod.'),
    serviceAccount: str('DeprecatedServiceAccount is a deprecated alias for ServiceAccountName.'),
    automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.'),
    nodeName: str('NodeName indicates in which node this pod is scheduled.'),
    hostNetwork: bool("Host networking requested for this pod. Use the host's network namespace."),
    hostPID: bool("Use the host's pid namespace."),
    hostIPC: bool("Use the host's ipc namespace."),
    shareProcessNamespace: bool('Share a single process namespace between all of the containers in a pod.'),
    hostname: str("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value."),
    subdomain: str('If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".'),
    schedulerName: str('If specified, the pod will be dispatched by specified scheduler.'),
    priorityClassName: str('If specified, indicates the pod\'s priority.'),
    priority: int('The priority value.'),
    runtimeClassName: str('RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.'),
    enableServiceLinks: bool("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Optional: Defaults to true."),
    preemptionPolicy: str('PreemptionPolicy is the Policy for preempting pods with lower priority.'),
    setHostnameAsFQDN: bool("If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default)."),
    hostUsers: bool('Use the host\'s user namespace.'),
    ...opaque(['securityContext', 'affinity', 'dnsConfig', 'overhead', 'os', 'resources']),
  },
  required: ['containers'],
});

const podCondition = defineType({
  name: `${C}PodCondition`,
  description: 'PodCondition contains details for the current condition of this pod.',
  properties: {
    type: str('Type is the type of the condition.'),
    status: str('Status is the status of the condition. Can be True, False, Unknown.'),
    lastProbeTime: time('Last time we probed the condition.'),
    lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
    reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
    message: str('Human-readable message indicating details about last transition.'),
    observedGeneration: int('If set, this represents the .metadata.generation that the pod condition was set based upon.', 'int64'),
  },
  required: ['type', 'status'],
});

const podStatus = defineType({
  name: `${C}PodStatus`,
  description: 'PodStatus represents information about the status of a pod. For switchyard, status.podIP is where the backend is reached.',
  properties: {
    phase: str('The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle.', { enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] }),
    conditions: mapList(podCondition, 'Current service state of pod. switchyard sets the Ready condition from the readiness probe.', ['type']),
    podIP: str('podIP address allocated to the pod. switchyard connects to this address.'),
    podIPs: mapList(any('PodIP represents a single IP address allocated to the pod.'), 'podIPs holds the IP addresses allocated to the pod.', ['ip']),
    hostIP: str('hostIP holds the IP address of the host to which the pod is assigned.'),
    hostIPs: atomicList(any('HostIP represents a single IP address allocated to the host.'), 'hostIPs holds the IP addresses allocated to the host.'),
    message: str('A human readable message indicating details about why the pod is in this condition.'),
    reason: str('A brief CamelCase message indicating details about why the pod is in this state.'),
    nominatedNodeName: str('nominatedNodeName is set only when this pod preempts other pods on the node.'),
    startTime: time('RFC 3339 date and time at which the object was acknowledged by the Kubelet.'),
    qosClass: str('The Quality of Service (QOS) classification assigned to the pod based on resource requirements.'),
    ...opaque(['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses', 'resize', 'resourceClaimStatuses', 'observedGeneration']),
  },
});

export const pod = defineType({
  name: `${C}Pod`,
  description: 'Pod is a collection of containers that can run on a host. In switchyard, a Pod describes a backend that already runs somewhere: status.podIP is its address, metadata.labels what Service selectors match, and container ports what named targetPorts resolve to.',
  properties: topLevel({
    spec: withDescription(podSpec, 'Specification of the desired behavior of the pod.'),
    status: withDescription(podStatus, 'Most recently observed status of the pod.'),
  }),
  gvk: { group: '', version: 'v1', kind: 'Pod' },
});

export { objectMeta };
