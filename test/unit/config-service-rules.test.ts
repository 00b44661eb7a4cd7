import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DNS1035, DNS1123_LABEL, DNS1123_SUBDOMAIN, IP_MSG, QNAME, RANGE, errorsOf, svc } from './config-helpers.ts';

const ONLY_LB = "may only be used when `type` is 'LoadBalancer'";
const CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
const SRC_ANN = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const two = (a: Record<string, unknown>, b: Record<string, unknown>) => [{ name: 'a', port: 80, ...a }, { name: 'b', port: 81, ...b }];

// [rule, manifest, exact errors] — each error exactly as kubectl prints it after `is invalid: `.
const cases: [string, unknown, string[]][] = [
  ['V1 name missing', svc({}, {}), ['metadata.name: Required value: name or generateName is required']],
  ['V2 name not DNS-1035', svc({}, { name: '1web' }), [`metadata.name: Invalid value: "1web": ${DNS1035}`]],
  ['V2 name too long', svc({}, { name: 'a'.repeat(64) }), [`metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`]],
  ['V3 namespace invalid', svc({}, { name: 'web', namespace: 'Team_A' }), [`metadata.namespace: Invalid value: "Team_A": ${DNS1123_LABEL}`]],
  ['V4 ports required', svc({ ports: [] }), ['spec.ports: Required value']],
  ['V5 LoadBalancer headless', svc({ type: 'LoadBalancer', clusterIP: 'None' }), [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for LoadBalancer services`]],
  ['V6 NodePort headless', svc({ type: 'NodePort', clusterIP: 'None' }), [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`]],
  ['V7 ExternalName clusterIPs', svc({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.0.0.1' }), ['spec.clusterIPs: Forbidden: may not be set for ExternalName services']],
  ['V8 ExternalName families', svc({ type: 'ExternalName', externalName: 'db.example.com', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }),
    ['spec.ipFamilies: Forbidden: may not be set for ExternalName services', 'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services']],
  ['V9 externalName required', svc({ type: 'ExternalName', externalName: '.' }), ['spec.externalName: Required value']],
  ['V10 externalName subdomain', svc({ type: 'ExternalName', externalName: 'DB.example.com' }), [`spec.externalName: Invalid value: "DB.example.com": ${DNS1123_SUBDOMAIN}`]],
  ['V11 names required with >1 port', svc({ ports: [{ port: 80 }, { port: 81 }] }), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
  ['V12 port name with dots', svc({ ports: [{ name: 'h.p', port: 80 }] }), ['spec.ports[0].name: Invalid value: "h.p": must not contain dots']],
  ['V12 port name not a label', svc({ ports: [{ name: 'HTTP', port: 80 }] }), [`spec.ports[0].name: Invalid value: "HTTP": ${DNS1123_LABEL}`]],
  ['V13 duplicate port name', svc({ ports: two({ name: 'http' }, { name: 'http' }) }), ['spec.ports[1].name: Duplicate value: "http"']],
  ['V14 port 0', svc({ ports: [{ port: 0, targetPort: 80 }] }), [`spec.ports[0].port: Invalid value: 0: ${RANGE}`]],
  ['V14 port 65536', svc({ ports: [{ port: 65536, targetPort: 80 }] }), [`spec.ports[0].port: Invalid value: 65536: ${RANGE}`]],
  ['V15 protocol', svc({ ports: [{ port: 80, protocol: 'HTTP' }] }), ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
  ['V16 targetPort number', svc({ ports: [{ port: 80, targetPort: 70000 }] }), [`spec.ports[0].targetPort: Invalid value: 70000: ${RANGE}`]],
  ['V16 targetPort digits as string', svc({ ports: [{ port: 80, targetPort: '8080' }] }), ['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)']],
  ['V16 targetPort IANA rules', svc({ ports: [{ port: 80, targetPort: '-Web--server-long' }] }), [
    'spec.ports[0].targetPort: Invalid value: "-Web--server-long": must be no more than 15 characters',
    'spec.ports[0].targetPort: Invalid value: "-Web--server-long": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.ports[0].targetPort: Invalid value: "-Web--server-long": must not contain consecutive hyphens',
    'spec.ports[0].targetPort: Invalid value: "-Web--server-long": must not begin or end with a hyphen']],
  ['V17 appProtocol', svc({ ports: [{ port: 80, appProtocol: 'a/b/c' }] }), [
    `spec.ports[0].appProtocol: Invalid value: "a/b/c": a qualified name ${QNAME.slice('name part '.length)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]],
  ['V18 selector key', svc({ selector: { 'bad key': 'x' } }), [`spec.selector: Invalid value: "bad key": ${QNAME}`]],
  ['V18 selector value', svc({ selector: { app: '-x' } }), [
    "spec.selector: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]],
  ['V19 sessionAffinity', svc({ sessionAffinity: 'Sticky' }), ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']],
  ['V21 timeout 0', svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }),
    ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400']],
  ['V21 timeout 86401', svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400']],
  ['V24 clusterIPs[0] mismatch', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'] }), ['spec.clusterIPs: Invalid value: ["10.0.0.2"]: first value must match `clusterIP`']],
  ['V25 clusterIPs without clusterIP', svc({ clusterIPs: ['10.0.0.1'] }), ['spec.clusterIPs: Invalid value: ["10.0.0.1"]: must be empty when `clusterIP` is not specified']],
  ['V26 ipFamilies value', svc({ ipFamilies: ['IPv5'] }), ['spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"']],
  ['V26 ipFamilies duplicate', svc({ ipFamilies: ['IPv4', 'IPv4'] }), ['spec.ipFamilies[1]: Duplicate value: "IPv4"']],
  ['V27 ipFamilyPolicy', svc({ ipFamilyPolicy: 'Dual' }), ['spec.ipFamilyPolicy: Unsupported value: "Dual": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"']],
  ['V28 None not alone', svc({ clusterIP: 'None', clusterIPs: ['None', '10.0.0.1'] }), [`spec.clusterIPs: Invalid value: ["None","10.0.0.1"]: 'None' must be the first and only value`]],
  ['V29 clusterIP not an IP', svc({ clusterIP: '10.0.0.300' }), [`spec.clusterIPs[0]: Invalid value: "10.0.0.300": ${IP_MSG}`]],
  ['V30 three clusterIPs', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1', '10.0.0.2'] }), ['spec.clusterIPs: Invalid value: ["10.0.0.1","fd00::1","10.0.0.2"]: may only hold up to 2 values']],
  ['V31 same family twice', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '10.0.0.2'] }), ['spec.clusterIPs: Invalid value: ["10.0.0.1","10.0.0.2"]: may specify no more than one IP for each IP family']],
  ['V32 family mismatch', svc({ clusterIP: 'fd00::1', ipFamilies: ['IPv4'] }), ['spec.clusterIPs[0]: Invalid value: "fd00::1": expected an IPv4 value as indicated by `ipFamilies[0]`']],
  ['V33 externalIP not an IP', svc({ externalIPs: ['abc'] }), [`spec.externalIPs[0]: Invalid value: "abc": ${IP_MSG}`]],
  ['V33 externalIP unspecified', svc({ externalIPs: ['0.0.0.0'] }), ['spec.externalIPs[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']],
  ['V33 externalIP link-local', svc({ externalIPs: ['fe80::1'] }), ['spec.externalIPs[0]: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
  ['V34 type', svc({ type: 'Ingress' }), ['spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
  ['V35 nodePort on ClusterIP', svc({ ports: [{ port: 80, nodePort: 30080 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
  ['V36 duplicate nodePort', svc({ type: 'NodePort', ports: two({ nodePort: 30080 }, { nodePort: 30080 }) }), ['spec.ports[1].nodePort: Duplicate value: 30080']],
  ['V37 duplicate port', svc({ ports: two({}, { port: 80 }) }), ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}']],
  ['V38 source ranges on ClusterIP', svc({ loadBalancerSourceRanges: ['10.0.0.0/8'] }), [`spec.LoadBalancerSourceRanges: Forbidden: ${ONLY_LB}`]],
  ['V39 source range not a CIDR', svc({ type: 'LoadBalancer', loadBalancerSourceRanges: [' 10.0.0.0/8 ', '10.0.0.0/33'] }), [`spec.LoadBalancerSourceRanges[1]: Invalid value: "10.0.0.0/33": ${CIDR}`]],
  ['V39 source-range annotation', svc({ type: 'LoadBalancer' }, { name: 'web', annotations: { [SRC_ANN]: '10.0.0.0/8, nope' } }), [`metadata.annotations[${SRC_ANN}]: Invalid value: "nope": ${CIDR}`]],
  ['V40 allocateLoadBalancerNodePorts', svc({ type: 'NodePort', allocateLoadBalancerNodePorts: false }), [`spec.allocateLoadBalancerNodePorts: Forbidden: ${ONLY_LB}`]],
  ['V42 loadBalancerClass on NodePort', svc({ type: 'NodePort', loadBalancerClass: 'example.com/lb' }), [`spec.loadBalancerClass: Forbidden: ${ONLY_LB}`]],
  ['V42 loadBalancerClass format', svc({ type: 'LoadBalancer', loadBalancerClass: 'example.com/-lb' }), [`spec.loadBalancerClass: Invalid value: "example.com/-lb": ${QNAME}`]],
  ['V43 ETP on internal service', svc({ externalTrafficPolicy: 'Local' }), ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']],
  ['V44 ETP value', svc({ type: 'NodePort', externalTrafficPolicy: 'Nearby' }), ['spec.externalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"']],
  ['V45 HCNP without LB+Local', svc({ type: 'NodePort', healthCheckNodePort: 30000 }), ["spec.healthCheckNodePort: Invalid value: 30000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]],
  ['V46 HCNP out of range', svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 70000 }), [`spec.healthCheckNodePort: Invalid value: 70000: ${RANGE}`]],
  ['V47 ITP value', svc({ internalTrafficPolicy: 'Nearby' }), ['spec.internalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"']],
  ['V48 trafficDistribution', svc({ trafficDistribution: 'PreferSameZone' }), ['spec.trafficDistribution: Unsupported value: "PreferSameZone": supported values: "PreferClose"']],
];

for (const [name, manifest, expected] of cases) {
  test(name, () => assert.equal(errorsOf(manifest), expected));
}

const valid: [string, unknown][] = [
  ['headless without ports', svc({ clusterIP: 'None', ports: [] })],
  ['ExternalName without ports, trailing dot', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } }],
  ['same port, different protocols', svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }] })],
  ['same nodePort, different protocols', svc({ type: 'NodePort', ports: [{ name: 'u', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 't', port: 53, nodePort: 30053 }] })],
  ['timeout 86400', svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } } })],
  ['loopback externalIP (switchyard difference)', svc({ externalIPs: ['127.0.0.1', '::1'] })],
  ['LB + Local before the registry allocates the health port', svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' })],
  ['dual-stack clusterIPs', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' })],
  ['LB with port 10250 and mixed protocols', svc({ type: 'LoadBalancer', ports: [{ name: 'k', port: 10250 }, { name: 'u', port: 53, protocol: 'UDP' }] })],
  ['headless with a differing targetPort', svc({ clusterIP: 'None', ports: [{ port: 80, targetPort: 8080 }] })],
];
for (const [name, manifest] of valid) test(`valid: ${name}`, () => assert.equal(errorsOf(manifest), []));

test('several faults are reported in ValidateService order', () => {
  const errs = errorsOf(svc({ type: 'Bogus', ports: [{ port: 0, targetPort: 80 }], externalIPs: ['x'] }, { name: 'Web' }));
  assert.equal(errs.map((e) => e.split(':')[0]), ['metadata.name', 'spec.ports[0].port', 'spec.externalIPs[0]', 'spec.type']);
});

test.run();
