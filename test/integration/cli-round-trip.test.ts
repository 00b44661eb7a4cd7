// The CLI as a child process against the real admin server and registry in this process:
// apply/get/describe/env/expose/delete round trip, stdin, --strict, the token, errors and exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.ts';
import { freePort } from '../helpers/free-port.ts';

const root = new URL('../..', import.meta.url).pathname;
const NODE = join(root, 'node_modules/.bin/node');
const MAIN = join(root, 'src/cli/main.ts');
let dir = '';
let registry: Registry;
let server: AdminServer;
let tokenServer: AdminServer;
let base = '';

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-cli-'));
  registry = await createRegistry({ store: await openSqliteStore(join(dir, 'state')) });
  server = await startAdminServer({ control: registry, host: '127.0.0.1', port: 0, log: () => {} });
  tokenServer = await startAdminServer({ control: registry, host: '127.0.0.1', port: 0, token: 's3cret', log: () => {} });
  base = `http://127.0.0.1:${server.port}`;
});

test.after(async () => {
  await server.close();
  await tokenServer.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run { code: number | null; out: string; err: string }

/** Runs the CLI; the server lives in this process, so the child must not be waited for synchronously. */
function cli(args: string[], opts: { stdin?: string; server?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // The test runner's NO_COLOR+FORCE_COLOR pair makes Node warn on stderr; the CLI needs neither.
    const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = process.env;
    const child = spawn(NODE, [MAIN, ...args], {
      env: { ...env, SWITCHYARD_SERVER: opts.server ?? base, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
    child.stdin.end(opts.stdin ?? '');
  });
}

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
    targetPort: 8080
`;
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web-1
  labels: {app: web}
spec:
  containers:
  - name: web
    ports: [{containerPort: 8080, name: http}]
status:
  podIP: 127.0.0.51
  conditions: [{type: Ready, status: "True"}]
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: my-nginx}
spec: {replicas: 2}
`;
const INVALID = `apiVersion: v1
kind: Service
metadata: {name: bad}
spec:
  ports: [{port: 70000, targetPort: 8080}]
`;

test('apply: served objects applied, Deployment skipped, invalid Service reported with exit 1', async () => {
  const m = join(dir, 'manifests');
  await mkdir(m, { recursive: true });
  await writeFile(join(m, 'a-service.yaml'), SERVICE + '---\n' + DEPLOYMENT);
  await writeFile(join(m, 'b-pod.yaml'), POD);
  await writeFile(join(m, 'c-bad.yaml'), INVALID);
  const r = await cli(['apply', '-f', m]);
  assert.is(r.code, 1);
  assert.is(r.out, 'service/web created\npod/web-1 created\n');
  assert.match(r.err, /^deployment\.apps\/my-nginx skipped: kind Deployment \(apps\/v1\) is not served/m);
  assert.match(r.err, /^The Service "bad" is invalid: spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive$/m);
  assert.is(registry.get('Service', 'default', 'bad'), undefined);

  const again = await cli(['apply', '-f', join(m, 'a-service.yaml'), '-f', join(m, 'b-pod.yaml')]);
  assert.is(again.code, 0);
  assert.is(again.out, 'service/web unchanged\npod/web-1 unchanged\n');
});

test('apply: --dry-run changes nothing; --strict refuses unserved kinds and applies nothing; stdin works', async () => {
  const dry = await cli(['apply', '-f', '-', '--dry-run'], { stdin: SERVICE.replace('name: web\n', 'name: web-dry\n') });
  assert.is(dry.code, 0);
  assert.is(dry.out, 'service/web-dry created (dry run)\n');
  assert.is(registry.get('Service', 'default', 'web-dry'), undefined);

  const strict = await cli(['apply', '--strict', '-f', '-'], { stdin: SERVICE.replace('name: web\n', 'name: web-strict\n') + '---\n' + DEPLOYMENT });
  assert.is(strict.code, 1);
  assert.is(strict.out, '');
  assert.match(strict.err, /deployment\.apps\/my-nginx skipped/);
  assert.is(registry.get('Service', 'default', 'web-strict'), undefined);

  const missing = await cli(['apply', '-f', join(dir, 'nope.yaml')]);
  assert.is(missing.code, 1);
  assert.match(missing.err, /^error: the path ".*nope\.yaml" does not exist\n$/);
});

test('get: table, -o json/yaml/name, NotFound, empty namespace', async () => {
  const table = await cli(['get', 'svc']);
  assert.is(table.code, 0);
  const lines = table.out.split('\n');
  assert.match(lines[0], /^NAME {3}TYPE {8}CLUSTER-IP +EXTERNAL-IP {3}PORT\(S\) {3}AGE$/);
  assert.match(lines[1], /^web {4}ClusterIP {3}\d+\.\d+\.\d+\.\d+ +<none> {8}80\/TCP {4}\d+s$/);

  const json = await cli(['get', 'service', 'web', '-o', 'json']);
  const obj = JSON.parse(json.out);
  assert.is(obj.kind, 'Service');
  assert.is(obj.spec.ports[0].targetPort, 8080);

  const list = await cli(['get', 'pods', '-o', 'yaml']);
  assert.match(list.out, /^apiVersion: v1\nitems:\n- apiVersion: v1\n {2}kind: Pod\n/);
  assert.match(list.out, /\nkind: List\n/);

  const names = await cli(['get', 'endpointslices', '-o', 'name']);
  assert.match(names.out, /^endpointslice\.discovery\.k8s\.io\/web-\S+\n$/);

  const nf = await cli(['get', 'svc', 'web', 'ghost']);
  assert.is(nf.code, 1);
  assert.match(nf.out, /^NAME /);
  assert.is(nf.err, 'Error from server (NotFound): services "ghost" not found\n');

  const empty = await cli(['get', 'svc', '-n', 'nothing-here']);
  assert.is(empty.code, 0);
  assert.is(empty.out, '');
  assert.is(empty.err, 'No resources found in nothing-here namespace.\n');

  const all = await cli(['get', 'ep', '-A']);
  assert.match(all.out, /^NAMESPACE {3}NAME {3}ENDPOINTS +AGE\ndefault {5}web {4}127\.0\.0\.51:8080 {3}\d+s\n$/);
});

test('describe: service with its slice endpoints, pod, NotFound', async () => {
  const d = await cli(['describe', 'svc', 'web']);
  assert.is(d.code, 0, d.err);
  assert.match(d.out, /^Name: {21}web\nNamespace: {16}default\n/);
  assert.match(d.out, /\nPort: {21}http {2}80\/TCP\nTargetPort: {15}8080\/TCP\nEndpoints: {16}127\.0\.0\.51:8080\n/);
  assert.match(d.out, /\nEvents:/);

  const p = await cli(['describe', 'pod', 'web-1']);
  assert.match(p.out, /\nIP: +127\.0\.0\.51\n/);

  const nf = await cli(['describe', 'ep', 'ghost']);
  assert.is(nf.code, 1);
  assert.is(nf.err, 'Error from server (NotFound): endpoints "ghost" not found\n');
});

test('env prints the Service variables sorted', async () => {
  const r = await cli(['env']);
  assert.is(r.code, 0);
  const ip = (registry.get('Service', 'default', 'web') as { spec: { clusterIP: string } }).spec.clusterIP;
  assert.ok(r.out.includes(`WEB_SERVICE_HOST=${ip}\nWEB_SERVICE_PORT=80\nWEB_SERVICE_PORT_HTTP=80\n`));
  const keys = r.out.trim().split('\n').map((l) => l.split('=')[0]);
  assert.equal(keys, [...keys].sort());
});

test('expose: selector from a Pod, or given; AlreadyExists like kubectl', async () => {
  const fromPod = await cli(['expose', 'pod', 'web-1', '--port', '8081', '--name', 'web-direct', '--type', 'NodePort']);
  assert.is(fromPod.code, 0, fromPod.err);
  assert.is(fromPod.out, 'service/web-direct exposed\n');
  const svc = registry.get('Service', 'default', 'web-direct') as { spec: { selector: Record<string, string>; type: string } };
  assert.equal(svc.spec.selector, { app: 'web' });
  assert.is(svc.spec.type, 'NodePort');

  const given = await cli(['expose', 'api', '--port', '90', '--target-port', 'http', '--selector', 'app=web']);
  assert.is(given.code, 0, given.err);
  const again = await cli(['expose', 'api', '--port', '90', '--selector', 'app=web']);
  assert.is(again.code, 1);
  assert.match(again.err, /^Error from server \(AlreadyExists\): /);

  const none = await cli(['expose', 'ghost', '--port', '80']);
  assert.is(none.code, 1);
  assert.match(none.err, /pass --selector/);
});

test('delete: by name, by file, NotFound, --ignore-not-found', async () => {
  const r = await cli(['delete', 'svc', 'web-direct', 'api']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'service "web-direct" deleted\nservice "api" deleted\n');
  const f = join(dir, 'manifests', 'a-service.yaml');
  const byFile = await cli(['delete', '-f', f]);
  assert.is(byFile.out, 'service "web" deleted\n');
  assert.match(byFile.err, /deployment\.apps\/my-nginx skipped/);
  const again = await cli(['delete', 'service/web']);
  assert.is(again.code, 1);
  assert.is(again.err, 'Error from server (NotFound): services "web" not found\n');
  const quiet = await cli(['delete', 'svc', 'web', '--ignore-not-found']);
  assert.is(quiet.code, 0);
  assert.is(quiet.err, '');
});

test('token: refused without it, accepted with --token-file', async () => {
  const server2 = `http://127.0.0.1:${tokenServer.port}`;
  const denied = await cli(['get', 'pods'], { server: server2 });
  assert.is(denied.code, 1);
  assert.match(denied.err, /^Error from server \(Unauthorized\): /);
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 's3cret\n', { mode: 0o644 });
  await chmod(tokenFile, 0o644);
  // Like ssh with a private key: a token file others may read is refused.
  const open = await cli(['get', 'pods', '--token-file', tokenFile, '--server', server2], { server: 'http://127.0.0.1:1' });
  assert.is(open.code, 1);
  assert.is(open.err, `error: the token file ${tokenFile} may be read or written by users other than its owner (mode 0644); anyone who can read it controls the admin API. Run: chmod 600 ${tokenFile}\n`);
  await chmod(tokenFile, 0o600);
  const ok = await cli(['get', 'pods', '--token-file', tokenFile, '--server', server2], { server: 'http://127.0.0.1:1' });
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, /^NAME +READY +STATUS +RESTARTS +AGE\nweb-1 +1\/1 +Running +0 +\d+s\n$/);
});

test('no server: one actionable line, exit 1', async () => {
  const port = await freePort();
  const r = await cli(['get', 'svc'], { server: `http://127.0.0.1:${port}` });
  assert.is(r.code, 1);
  assert.is(r.out, '');
  assert.is(r.err, `error: cannot reach the switchyard server at http://127.0.0.1:${port} (connection refused) — is \`switchyard serve\` running? Set --server or SWITCHYARD_SERVER to point elsewhere.\n`);
});

test('bad verbs and flags: one line and a usage hint, exit 1', async () => {
  const verb = await cli(['frobnicate']);
  assert.is(verb.code, 1);
  assert.is(verb.err, 'error: unknown command "frobnicate" for "switchyard"\nSee \'switchyard --help\' for usage.\n');
  const flag = await cli(['get', 'svc', '--colour']);
  assert.is(flag.code, 1);
  assert.is(flag.err, 'error: unknown flag: --colour\nSee \'switchyard get --help\' for usage.\n');
  const kind = await cli(['get', 'deployments']);
  assert.is(kind.code, 1);
  assert.match(kind.err, /^error: the server doesn't have a resource type "deployments"/);
  const output = await cli(['get', 'svc', '-o', 'table']);
  assert.is(output.code, 1);
  assert.match(output.err, /unable to match a printer suitable for the output format "table"/);
  const help = await cli(['--help']);
  assert.is(help.code, 0);
  assert.match(help.out, /Commands:\n {2}serve/);
});

test.run();
