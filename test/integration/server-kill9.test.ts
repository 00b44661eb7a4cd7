// kill -9 of a real `switchyard serve` in the middle of a stream of applies through the admin
// API: after a restart on the same state dir every acknowledged object is there, and Services
// keep their ClusterIP and NodePort.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

let sy: SwitchyardProcess;
/** Acknowledged applies before the kill: enough that the kill lands amid a stream of writes. */
const KILL_AFTER = 60;

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
});

async function put(url: string, path: string, body: object): Promise<number> {
  const r = await request(`${url}${path}`, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await r.body.text();
  return r.statusCode;
}

test('every acknowledged apply survives kill -9 mid-stream', async () => {
  sy = await startSwitchyard(['--no-demo']);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080 }] } };
  assert.is(await put(sy.url, '/api/v1/namespaces/default/services/web', svc), 201);
  const before = JSON.parse((await sy.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);

  const acked: string[] = [];
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; i < 2000 && !stop; i++) {
      const name = `p-${w}-${i}`;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] }, status: { podIP: `127.0.${w}.${(i % 250) + 1}` } };
      try {
        const code = await put(sy.url, `/api/v1/namespaces/default/pods/${name}`, pod);
        if (code === 201) acked.push(name);
      } catch {
        return; // the server is gone: this write was never acknowledged
      }
    }
  };
  const writers = [1, 2, 3, 4].map(writer);
  let written = false;
  void Promise.all(writers).then(() => { written = true; });
  const deadline = Date.now() + 60_000;
  while (acked.length < KILL_AFTER && !written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (acked.length < KILL_AFTER) stop = true;
  assert.ok(acked.length >= KILL_AFTER, `only ${acked.length} applies acknowledged (writers ${written ? 'gave up' : 'still slow after 60 s'})`);
  await sy.kill9();
  stop = true;
  await Promise.all(writers);

  sy = await sy.restart();
  const pods = JSON.parse((await sy.cli(['get', 'pods', '-o', 'json'])).stdout).items.map((p: { metadata: { name: string } }) => p.metadata.name);
  const missing = acked.filter((n) => !pods.includes(n));
  assert.equal(missing, [], `${missing.length} of ${acked.length} acknowledged Pods lost`);
  const after = JSON.parse((await sy.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);
  assert.is(after.spec.clusterIP, before.spec.clusterIP);
  assert.is(after.spec.ports[0].nodePort, before.spec.ports[0].nodePort);
});

test.run();
