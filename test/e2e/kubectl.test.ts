// The real kubectl (v1.32; Debian's kubernetes-client where the machine has none) driving a real
// `switchyard serve` through the kubeconfig `switchyard kubeconfig` prints: discovery, get in every
// output, describe with events, client-side and server-side apply, the three patch types, watch,
// replace conflicts, dry runs, invalid objects, explain, namespaces and delete. Every kubectl run
// has its own scratch --cache-dir, so no discovery or OpenAPI cache leaks between runs or files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopback } from '../helpers/free-port.ts';
import { KUBECTL, kubectlRunner } from '../helpers/kubectl.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { waitForValue } from '../helpers/wait-for.ts';

let sy: SwitchyardProcess;
let work = '';
let kubeconfigPath = '';
let backend: Server;
let backendIp = '';
let backendPort = 0;
/** The kubectl's minor version: Debian's kubernetes-client is 1.20, which validates with OpenAPI v2. */
let minor = 32;

/** Runs kubectl against switchyard. */
const kubectl = kubectlRunner(() => kubeconfigPath, () => work);

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin);
  assert.is(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function file(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}


const columns = (line: string) => line.trim().split(/\s{2,}/);

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: http
  - name: https
    port: 443
    targetPort: 8443
`;
const pod = (name: string, ip: string, port: number, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: web}
spec:
  containers:
  - name: web
    ports: [{name: http, containerPort: ${port}}]
    readinessProbe:
      tcpSocket: {port: ${port}}
      periodSeconds: 1
      failureThreshold: 1
${extra}status:
  podIP: ${ip}
`;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sy-kubectl-'));
  backendIp = randomLoopback();
  backend = createServer((s) => { s.on('error', () => {}); s.end(); });
  await new Promise<void>((r) => backend.listen(0, backendIp, r));
  backendPort = (backend.address() as { port: number }).port;
  sy = await startSwitchyard(['--no-demo', '--workers', '1']);
  const cfg = await sy.cli(['kubeconfig']);
  assert.is(cfg.code, 0, cfg.stderr);
  kubeconfigPath = file('kubeconfig', cfg.stdout);
  const v = await kubectl(['version', '--client', '-o', 'json']);
  minor = Number(/"minor":\s*"(\d+)/.exec(v.stdout)?.[1] ?? 32);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await new Promise((r) => backend?.close(r));
  if (work) removeDir(work);
});

test('version and discovery: kubectl sees a 1.32 server with services, endpoints, endpointslices, pods, events, namespaces, leases', async () => {
  assert.match(await ok(['version']), /Server Version: .*v1\.32\.0\+switchyard\./);
  const resources = await ok(['api-resources', '-o', 'wide']);
  const byName = new Map(resources.trim().split('\n').slice(1).map((l) => [columns(l)[0], l]));
  // kubectl 1.20 prints the verbs as [create delete …] and no categories.
  assert.match(byName.get('services') ?? '', /svc\s+v1\s+true\s+Service\s+(create,delete,deletecollection,get,list,patch,update,watch\s+all|\[create delete deletecollection get list patch update watch\])/);
  assert.match(byName.get('endpointslices') ?? '', /discovery\.k8s\.io\/v1\s+true\s+EndpointSlice/);
  for (const r of ['endpoints', 'pods', 'events', 'namespaces']) assert.ok(byName.has(r), `${r} listed`);
  assert.match(byName.get('namespaces') ?? '', /Namespace\s+(create,delete,get,|\[create delete get )/, 'no deletecollection for namespaces');
  assert.match(byName.get('leases') ?? '', /coordination\.k8s\.io\/v1\s+true\s+Lease/);
  assert.match(await ok(['get', 'ns']), /default\s+Active/);
  // One instance on its own store elects no leader: no Lease (several on etcd: multi-instance-etcd).
  const leases = await kubectl(['get', 'leases', '-n', 'kube-system']);
  assert.is(leases.code, 0, leases.stderr);
  assert.match(leases.stderr, /No resources found in kube-system namespace/);
});

test('apply creates, reports unchanged, configures; get prints switchyard get\'s columns in every output', async () => {
  const manifest = file('web.yaml', `${SERVICE}---\n${pod('web-1', backendIp, backendPort)}`);
  assert.equal((await ok(['apply', '-f', manifest])).trim().split('\n'), ['service/web created', 'pod/web-1 created']);
  assert.equal((await ok(['apply', '-f', manifest])).trim().split('\n'), ['service/web unchanged', 'pod/web-1 unchanged']);
  const changed = file('web2.yaml', SERVICE.replace('targetPort: 8443', 'targetPort: 9443'));
  assert.is((await ok(['apply', '-f', changed])).trim(), 'service/web configured');

  const table = (await ok(['get', 'svc'])).trim().split('\n');
  assert.equal(columns(table[0]), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  const row = columns(table[1]);
  assert.equal(row.slice(0, 5), ['web', 'ClusterIP', row[2], '<none>', '80/TCP,443/TCP']);
  assert.match(row[2], /^127\./);
  // One implementation: switchyard's own get prints the same table.
  const own = (await sy.cli(['get', 'svc'])).stdout.trim().split('\n');
  assert.equal(columns(own[1]).slice(0, 5), row.slice(0, 5));
  assert.equal(columns((await ok(['get', 'svc', '-o', 'wide'])).split('\n')[0]).slice(-1), ['SELECTOR']);
  assert.match(await ok(['get', 'svc', '-A']), /^NAMESPACE\s+NAME\s+TYPE[\s\S]*\ndefault\s+web\s+ClusterIP/);
  assert.is((await ok(['get', 'svc', '-l', 'app=web', '-o', 'name'])).trim(), 'service/web');
  assert.is((await ok(['get', 'svc', '-l', 'app in (api,db)', '-o', 'name'])).trim(), '');
  assert.is((await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[1].targetPort}'])), '9443');
  const json = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json']));
  assert.is(json.kind, 'Service');
  assert.match(json.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], /"targetPort":9443/);
  assert.match(await ok(['get', 'svc', 'web', '-o', 'yaml']), /^apiVersion: v1\nkind: Service\n/);
  const podRow = await waitForValue('the Pod to be ready', async () => {
    const line = (await ok(['get', 'pods', 'web-1', '-o', 'wide'])).split('\n')[1];
    return columns(line)[1] === '1/1' ? columns(line) : undefined;
  });
  assert.equal([podRow[0], podRow[2], podRow[5]], ['web-1', 'Running', backendIp]);
  assert.match(await ok(['get', 'ep', 'web']), new RegExp(`web\\s+${backendIp.replace(/\./g, '\\.')}:${backendPort},`));
  assert.match(await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']), /web-\w{5}\s+IPv4\s+/);
});

test('describe svc, ep and pod show the endpoints and the health loop\'s events', async () => {
  const svc = await waitForValue('a Service event', async () => {
    const out = await ok(['describe', 'svc', 'web']);
    return /Events:\s*\n\s+Type\s+Reason/.test(out) ? out : undefined;
  });
  assert.match(svc, /Name:\s+web\n/);
  assert.match(svc, new RegExp(`Endpoints:\\s+${backendIp.replace(/\./g, '\\.')}:${backendPort}`));
  assert.match(svc, /Normal\s+Ready\s+\S+\s+switchyard-health\s+/);
  assert.match(await ok(['describe', 'ep', 'web']), /Subsets:/);
  const dead = file('dead.yaml', pod('web-dead', randomLoopback(), 1));
  await ok(['apply', '-f', dead]);
  const described = await waitForValue('an Unhealthy event on the Pod', async () => {
    const out = await ok(['describe', 'pod', 'web-dead']);
    return /Warning\s+Unhealthy/.test(out) ? out : undefined;
  });
  assert.match(described, /Status:\s+Running/);
  assert.match(await ok(['get', 'events', '--field-selector', 'involvedObject.name=web-dead']), /Warning\s+Unhealthy\s+pod\/web-dead/);
  await ok(['delete', 'pod', 'web-dead']);
});

test('patch: strategic merge, merge and JSON patch; label', async () => {
  assert.match(await ok(['patch', 'svc', 'web', '-p', '{"spec":{"ports":[{"port":443,"targetPort":8444}]}}']), /service\/web patched/);
  const ports = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports}']));
  assert.equal(ports.map((p: { port: number; targetPort: unknown }) => [p.port, p.targetPort]), [[80, 'http'], [443, 8444]], 'merged by port, not replaced');
  assert.match(await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"team":"edge"}}}']), /patched/);
  assert.match(await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"team":"edge"}}}']), /patched \(no change\)/);
  assert.match(await ok(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]']), /patched/);
  assert.is(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.sessionAffinity}']), 'ClientIP');
  const failed = await kubectl(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/type","value":"NodePort"}]']);
  assert.is(failed.code, 1);
  assert.match(failed.stderr, /The request is invalid/);
  assert.match(await ok(['label', 'svc', 'web', 'tier=fe']), /service\/web labeled/);
  assert.is((await ok(['get', 'svc', '-l', 'tier=fe', '-o', 'name'])).trim(), 'service/web');
});

test('server-side apply: created, conflicts named like upstream, forced', async () => {
  const api = file('api.yaml', SERVICE.replace(/name: web/, 'name: api').replace(/app: web/g, 'app: api'));
  assert.is((await ok(['apply', '--server-side', '-f', api])).trim(), 'service/api serverside-applied');
  await ok(['patch', 'svc', 'api', '--type=merge', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
  const mine = file('api2.yaml', SERVICE.replace(/name: web/, 'name: api').replace(/app: web/g, 'app: api').replace('  ports:', '  sessionAffinity: None\n  ports:'));
  const conflict = await kubectl(['apply', '--server-side', '-f', mine]);
  assert.is(conflict.code, 1);
  assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.spec\.sessionAffinity\n/);
  assert.match(conflict.stderr, /--force-conflicts/);
  assert.is((await ok(['apply', '--server-side', '--force-conflicts', '-f', mine])).trim(), 'service/api serverside-applied');
  const live = JSON.parse(await ok(['get', 'svc', 'api', '-o', 'json', ...(minor >= 21 ? ['--show-managed-fields'] : [])]));
  assert.is(live.spec.sessionAffinity, 'None');
  assert.ok(live.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
});

test('get -w --output-watch-events sees changes made after it started', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfigPath };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  const watch = spawn(KUBECTL, ['--cache-dir', join(work, 'cache-watch'), 'get', 'svc', '-w', '--output-watch-events'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  watch.stdout.on('data', (d) => (out += d));
  try {
    await waitForValue('the initial rows', async () => (/ADDED\s+web\s/.test(out) ? true : undefined));
    await ok(['annotate', 'svc', 'web', 'watched=yes']);
    await ok(['delete', 'svc', 'api']);
    await waitForValue('MODIFIED and DELETED rows', async () => (/MODIFIED\s+web\s[\s\S]*DELETED\s+api\s/.test(out) ? true : undefined));
  } finally {
    watch.kill('SIGTERM');
  }
});

test('replace with a stale resourceVersion is a Conflict; dry runs change nothing', async () => {
  const live = await ok(['get', 'svc', 'web', '-o', 'json']);
  const stale = file('stale.json', live);
  assert.match(await ok(['replace', '-f', stale]), /service\/web replaced/);
  const again = await kubectl(['replace', '-f', stale]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /Error from server \(Conflict\): error when replacing ".*stale\.json": Operation cannot be fulfilled on services "web": the object has been modified/);
  const before = await ok(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.resourceVersion}']);
  assert.match(await ok(['apply', '--dry-run=server', '-f', file('dry.yaml', SERVICE.replace('port: 80', 'port: 81'))]), /service\/web configured \(server dry run\)/);
  assert.match(await ok(['delete', 'svc', 'web', '--dry-run=server']), /service "web" deleted \(server dry run\)/);
  assert.is(await ok(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.resourceVersion}']), before);
});

test('an invalid object is refused with its field path; an unknown field with strict validation', async () => {
  const bad = file('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports: [{port: 70000, targetPort: 80}]\n');
  const r = await kubectl(['apply', '-f', bad]);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'The Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
  const unknown = file('unknown.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: odd}\nspec:\n  colour: blue\n  ports: [{port: 80}]\n');
  const strict = await kubectl(['apply', '-f', unknown]);
  assert.is(strict.code, 1);
  // Refused by the server's strict field validation, or (kubectl before 1.27) by kubectl's own
  // validation against the served OpenAPI v2 schema.
  assert.match(strict.stderr, /strict decoding error: unknown field "spec\.colour"|unknown field "colour" in io\.k8s\.api\.core\.v1\.ServiceSpec/);
  const notFound = await kubectl(['get', 'svc', 'nope']);
  assert.is(notFound.stderr.trim(), 'Error from server (NotFound): services "nope" not found');
});

test('explain reads the served OpenAPI schema', async () => {
  const out = await ok(['explain', 'service.spec.ports']);
  assert.match(out, /KIND:\s+Service\nVERSION:\s+v1/);
  assert.match(out, /FIELD: ports <\[\]ServicePort>|RESOURCE: ports <\[\]Object>/);
  assert.match(out, /port\s+<integer> -required-/);
  assert.match(out, /targetPort\s+<(IntOrString|string)>/);
});

test('namespaces: apply one, objects in it, delete it with its contents', async () => {
  await ok(['apply', '-f', file('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n')]);
  assert.match(await ok(['get', 'ns', 'team-a']), /team-a\s+Active/);
  await ok(['apply', '-n', 'team-a', '-f', file('svc-a.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  ports: [{port: 5432}]\n')]);
  assert.match(await ok(['get', 'svc', '-A']), /team-a\s+db\s+ClusterIP/);
  assert.match(await ok(['delete', 'ns', 'team-a']), /namespace "team-a" deleted/);
  // kubectl looks the namespace up after the 404 and names it.
  const gone = await kubectl(['get', 'svc', 'db', '-n', 'team-a']);
  assert.match(gone.stderr, /namespaces "team-a" not found/);
  const builtIn = await kubectl(['delete', 'ns', 'default']);
  assert.match(builtIn.stderr, /Forbidden/);
  // kubectl create writes protobuf bodies.
  assert.match(await ok(['create', 'namespace', 'team-b']), /namespace\/team-b created/);
  assert.match(await ok(['create', 'service', 'clusterip', 'cache', '-n', 'team-b', '--tcp=6379:redis']), /service\/cache created/);
  assert.is(await ok(['get', 'svc', 'cache', '-n', 'team-b', '-o', 'jsonpath={.spec.ports[0].targetPort} {.spec.selector.app}']), 'redis cache');
  await ok(['delete', 'ns', 'team-b']);
});

test('delete prints what kubectl prints and the object is gone', async () => {
  assert.is((await ok(['delete', 'svc', 'web'])).trim(), 'service "web" deleted');
  assert.match((await kubectl(['get', 'svc', 'web'])).stderr, /NotFound/);
  assert.is((await ok(['delete', 'pod', 'web-1', '--wait=false'])).trim(), 'pod "web-1" deleted');
});

test.run();
