// The walkthrough, as a user runs it through the real CLI against a real `switchyard serve`:
// apply the nginx Deployment/Service pair, look at it, scale the backends 2 → 3 → 1 with Pods,
// delete everything. Outputs are checked for kubectl's shape. Backends here are plain addresses
// (no traffic): traffic through real nginx is test/e2e/nginx-traffic.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

let sy: SwitchyardProcess;
const manifest = join(ROOT, 'config', 'nginx-app.yaml');

function pod(n: number): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: nginx-${n}
  labels: { app: nginx }
spec:
  containers:
  - name: nginx
    image: nginx
    ports: [{ name: http, containerPort: ${8080 + n} }]
status:
  podIP: 127.0.77.${n}
`;
}

function columns(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

test.before(async () => {
  sy = await startSwitchyard(['--no-demo']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
});

test('apply the Deployment/Service pair: Service created, Deployment skipped with a reason', async () => {
  const r = await sy.cli(['apply', '-f', manifest]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^service\/nginx-svc created$/m);
  assert.match(r.stderr, /^deployment\.apps\/nginx-deployment skipped: .*Deployment/m);
  const again = await sy.cli(['apply', '-f', manifest]);
  assert.match(again.stdout, /^service\/nginx-svc unchanged$/m);
});

test('get svc has kubectl columns', async () => {
  const r = await sy.cli(['get', 'svc']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(columns(lines[0]), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  const row = columns(lines.find((l) => l.startsWith('nginx-svc'))!);
  assert.is(row[1], 'NodePort');
  assert.match(row[2], /^127\.\d+\.\d+\.\d+$/);
  assert.is(row[3], '<none>');
  assert.match(row[4], /^80:3\d{4}\/TCP$/);
  assert.match(row[5], /^\d+s$/);
  // every column starts where its header starts (tabwriter alignment)
  const header = lines[0];
  const rowLine = lines.find((l) => l.startsWith('nginx-svc'))!;
  for (const h of ['TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']) {
    const at = header.indexOf(h);
    assert.ok(rowLine[at - 1] === ' ' && rowLine[at] !== ' ', `column ${h} aligned`);
  }
});

test('scale to 2: endpoints follow the Pods', async () => {
  const r = await sy.cli(['apply', '-f', '-'], pod(1) + '---\n' + pod(2));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /pod\/nginx-1 created/);
  const ep = await sy.cli(['get', 'endpoints', 'nginx-svc']);
  assert.equal(columns(ep.stdout.split('\n')[0]), ['NAME', 'ENDPOINTS', 'AGE']);
  assert.is(columns(ep.stdout.split('\n')[1])[1], '127.0.77.1:8081,127.0.77.2:8082');
});

test('describe svc has kubectl lines', async () => {
  const r = await sy.cli(['describe', 'svc', 'nginx-svc']);
  assert.is(r.code, 0, r.stderr);
  const labels = r.stdout.split('\n').map((l) => l.split(':')[0]);
  for (const l of ['Name', 'Namespace', 'Labels', 'Annotations', 'Selector', 'Type', 'IP Family Policy', 'IP Families', 'IP', 'IPs', 'Port', 'TargetPort', 'NodePort', 'Endpoints', 'Session Affinity', 'External Traffic Policy', 'Internal Traffic Policy', 'Events']) {
    assert.ok(labels.includes(l), `describe shows ${l}:\n${r.stdout}`);
  }
  assert.match(r.stdout, /^Selector:\s+app=nginx$/m);
  assert.match(r.stdout, /^TargetPort:\s+http\/TCP$/m);
  const eps = /^Endpoints:\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
  assert.equal(eps.split(',').sort(), ['127.0.77.1:8081', '127.0.77.2:8082']);
  // values start in one column
  const starts = r.stdout.split('\n').filter((l) => /^[A-Z][^:]*:\s+\S/.test(l)).map((l) => l.search(/:\s+\S/) + l.slice(l.indexOf(':') + 1).search(/\S/) + 1);
  assert.is(new Set(starts).size, 1, 'one value column');
});

test('scale to 3, then to 1', async () => {
  await sy.cli(['apply', '-f', '-'], pod(3));
  let ep = await sy.cli(['get', 'ep', 'nginx-svc', '-o', 'json']);
  // each Pod resolves the named port to its own number, so each is its own subset
  const subsets: { addresses?: unknown[] }[] = JSON.parse(ep.stdout).subsets;
  assert.is(subsets.flatMap((s) => s.addresses ?? []).length, 3);
  const del = await sy.cli(['delete', 'pod', 'nginx-2', 'nginx-3']);
  assert.is(del.code, 0, del.stderr);
  assert.match(del.stdout, /pod "nginx-2" deleted/);
  ep = await sy.cli(['get', 'endpoints', 'nginx-svc']);
  assert.is(columns(ep.stdout.split('\n')[1])[1], '127.0.77.1:8081');
  const slices = await sy.cli(['get', 'endpointslices']);
  assert.equal(columns(slices.stdout.split('\n')[0]), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  const pods = await sy.cli(['get', 'pods']);
  assert.equal(columns(pods.stdout.split('\n')[0]), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.match(pods.stdout, /^nginx-1\s+1\/1\s+Running\s+0\s+\d+s$/m);
});

test('env shows the service variables', async () => {
  const r = await sy.cli(['env']);
  assert.match(r.stdout, /^NGINX_SVC_SERVICE_HOST=127\./m);
  assert.match(r.stdout, /^NGINX_SVC_PORT_80_TCP=tcp:\/\/127\.[\d.]+:80$/m);
});

test('invalid input is refused in Kubernetes format and changes nothing', async () => {
  const r = await sy.cli(['apply', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 0}]}\n');
  assert.is(r.code, 1);
  // several causes: kubectl prints them as a bulleted list
  assert.match(r.stderr, /^The Service "bad" is invalid: \n\* spec\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive$/m);
  const get = await sy.cli(['get', 'svc', 'bad']);
  assert.match(get.stderr, /Error from server \(NotFound\): services "bad" not found/);
});

test('delete everything', async () => {
  const r = await sy.cli(['delete', '-f', manifest]);
  assert.match(r.stdout, /service "nginx-svc" deleted/);
  await sy.cli(['delete', 'pod', 'nginx-1']);
  const get = await sy.cli(['get', 'svc']);
  assert.match(get.stderr, /No resources found in default namespace\./);
});

test('the CLI says so in one line when no server runs', async () => {
  const { runCli } = await import('../helpers/switchyard-process.ts');
  const r = await runCli(['get', 'svc'], { server: 'http://127.0.0.1:9' });
  assert.is(r.code, 1);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /127\.0\.0\.1:9/);
});

test.run();
