// The discovery loop with its real undici client over a unix socket, against an Engine API that
// answers with recorded JSON (test/helpers/recorded-docker-engine.ts), and the real registry over
// SQLite: list then follow events; a reply that arrives after a later event; the engine gone and
// back, with changes made meanwhile (nothing missed, nothing duplicated, the last Pods kept in
// between); a stop in progress; a health status podman stores after its event. The real engine is
// in test/e2e/docker-compose.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { createDockerEngineClient } from '../../src/discovery/docker-engine-client.ts';
import { startDockerDiscovery, type DockerDiscovery } from '../../src/discovery/docker-discovery.ts';
import type { ContainerInspect, EngineEvent } from '../../src/discovery/docker-engine-types.ts';
import type { Pod } from '../../src/model/types.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { recordedInspect, startRecordedEngine, type RecordedEngine } from '../helpers/recorded-docker-engine.ts';

const work = mkdtempSync(join(tmpdir(), 'sy-docker-loop-'));
let engine: RecordedEngine;
let registry: Registry;
let discovery: DockerDiscovery;
const logs: string[] = [];

const web1 = recordedInspect('shop_web_1');
const web2 = recordedInspect('shop_web_2');
const checked = recordedInspect('shop_checked_1');
const event = (c: ContainerInspect, Action: string, Attributes: Record<string, string> = {}): EngineEvent =>
  ({ Type: 'container', Action, Actor: { ID: c.Id, Attributes: { name: c.Name!.slice(1), ...Attributes } } });
const podNames = () => registry.list('Pod').map((p) => p.metadata.name).sort();
const ready = (name: string) => (registry.get('Pod', 'default', name) as Pod | undefined)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; pods ${podNames()}\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test.before(async () => {
  engine = await startRecordedEngine(work);
  engine.running.set(web1.Id, web1);
  registry = await createRegistry({ store: await openSqliteStore(join(work, 'state')) });
  discovery = startDockerDiscovery({
    client: createDockerEngineClient({ host: `unix://${engine.socket}`, origin: 'http://docker', socketPath: engine.socket }),
    target: registry, namespace: 'default', addressMode: 'network', initialBackoffMs: 20, maxBackoffMs: 100, stopGraceMs: 300,
    healthRecheckMs: [50, 150], log: (level, m) => logs.push(`${level} ${m}`),
  });
  await discovery.ready();
});

test.after(async () => {
  await discovery?.close();
  await registry?.close();
  await engine?.close();
  rmSync(work, { recursive: true, force: true });
});

test('lists at start (subscribed first), then follows start and die', async () => {
  assert.ok(discovery.connected());
  assert.equal(podNames(), ['shop-web-1']);
  assert.equal(engine.requests.slice(0, 3), ['GET /events', 'GET /containers/json', `GET /containers/${web1.Id}/json`]);
  engine.running.set(web2.Id, web2);
  engine.emit(event(web2, 'start'));
  await waitFor('web-2', () => podNames().includes('shop-web-2'));
  engine.running.delete(web2.Id);
  engine.emit(event(web2, 'die'));
  await waitFor('web-2 gone', () => !podNames().includes('shop-web-2'));
});

test('a reply that arrives after a later event does not bring the container back', async () => {
  engine.running.set(web2.Id, web2);
  const release = engine.holdInspect(web2.Id);
  engine.emit(event(web2, 'start'));
  await waitFor('the inspect under way', () => engine.requests.at(-1) === `GET /containers/${web2.Id}/json`);
  engine.emit(event(web2, 'die'));
  release(); // answers "running": the state when the inspect was asked
  await new Promise((r) => setTimeout(r, 100));
  engine.running.delete(web2.Id);
  assert.equal(podNames(), ['shop-web-1'], 'the die queued behind the inspect has the last word');
});

test('engine gone: the Pods stay; back: re-listed with what changed meanwhile, nothing twice', async () => {
  await engine.down();
  await waitFor('the loss noticed', () => !discovery.connected());
  assert.equal(podNames(), ['shop-web-1'], 'the last known Pods stay');
  engine.running.delete(web1.Id);
  engine.running.set(web2.Id, web2);
  engine.running.set(checked.Id, checked);
  await new Promise((r) => setTimeout(r, 150)); // a few refused reconnects
  await engine.up();
  await waitFor('caught up', () => podNames().join() === 'shop-checked-1,shop-web-2');
  assert.ok(discovery.connected());
  assert.is(engine.streams(), 1, 'one event stream, not one per attempt');
  const reasons = registry.events({ namespace: 'default', kind: 'DockerEngine' }).map((e) => [e.reason, e.type]);
  assert.ok(reasons.some(([r]) => r === 'DockerEngineUnreachable'), JSON.stringify(reasons));
  assert.equal(reasons.at(-1), ['DockerEngineReconnected', 'Normal']);
});

test('a stop in progress keeps the container out until it has died; started again, it is back', async () => {
  engine.emit(event(web2, 'kill', { signal: '15' }));
  await waitFor('web-2 out at the signal', () => !podNames().includes('shop-web-2'));
  engine.emit(event(web2, 'health_status: healthy'));
  await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(podNames().includes('shop-web-2'), 'still running, but leaving');
  engine.emit(event(web2, 'start'));
  await waitFor('web-2 back', () => podNames().includes('shop-web-2'));
  engine.emit(event(web2, 'kill', { signal: '15' }));
  await waitFor('web-2 out', () => !podNames().includes('shop-web-2'));
  await waitFor('back after the grace, having survived its signal', () => podNames().includes('shop-web-2'), 3000);
});

test('podman announces a health result before storing it: the status is read again', async () => {
  assert.is(ready('shop-checked-1'), 'True');
  const unhealthy: ContainerInspect = structuredClone(checked);
  unhealthy.State!.Health = { Status: 'unhealthy', FailingStreak: 1 };
  engine.emit(event(checked, 'health_status'));
  await new Promise((r) => setTimeout(r, 20));
  engine.running.set(checked.Id, unhealthy); // stored after the event's first inspect
  await waitFor('checked not ready', () => ready('shop-checked-1') === 'False');
});

test.run();
