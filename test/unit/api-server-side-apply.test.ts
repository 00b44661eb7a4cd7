// Server-side apply's field ownership (API spec §7.7): conflicts named like upstream, forcing,
// removal of fields a manager stops applying, and what ordinary writes record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resourceOfKind } from '../../src/api/api-resources.ts';
import { fieldsOf, renderPath, toFieldsV1 } from '../../src/api/field-set.ts';
import { ApplyConflictError, recordUpdate, serverSideApply } from '../../src/api/server-side-apply.ts';
import type { ManagedFieldsEntry } from '../../src/model/types.ts';

const schema = resourceOfKind('Service').schema;
const NOW = '2026-12-07T01:00:00Z';
type Obj = Record<string, any>;
const cfg = (ports: Obj[], extra: Obj = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports, ...extra } });
const apply = (live: Obj | undefined, config: Obj, manager: string, force = false) =>
  serverSideApply({ live, config, manager, force, schema, apiVersion: 'v1', now: NOW }) as Obj;

test('field sets: keyed list elements by port and protocol (TCP defaulted), atomic lists whole, maps per key', () => {
  const set = fieldsOf(cfg([{ port: 80, targetPort: 8080 }], { clusterIPs: ['a'], selector: { app: 'web' } }), schema);
  assert.equal(toFieldsV1(set), {
    'f:spec': {
      'f:clusterIPs': {}, 'f:selector': { 'f:app': {} },
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } },
    },
  });
  assert.is(renderPath([...set].find((p) => p.endsWith('f:targetPort'))!), '.spec.ports[port=80,protocol="TCP"].targetPort');
});

test('a first apply creates; a second manager conflicts on a differing value, co-owns an equal one', () => {
  const created = apply(undefined, cfg([{ port: 80, targetPort: 8080 }]), 'kubectl');
  assert.equal(created.metadata.managedFields.map((m: ManagedFieldsEntry) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
  let err: unknown;
  try { apply(created, cfg([{ port: 80, targetPort: 9090 }]), 'helm'); } catch (e) { err = e; }
  assert.instance(err, ApplyConflictError);
  assert.is((err as Error).message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.ports[port=80,protocol="TCP"].targetPort');
  assert.equal((err as ApplyConflictError).causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.ports[port=80,protocol="TCP"].targetPort' }]);
  const shared = apply(created, cfg([{ port: 80, targetPort: 8080 }]), 'helm');
  assert.equal(shared.metadata.managedFields.map((m: ManagedFieldsEntry) => m.manager), ['kubectl', 'helm']);
});

test('force takes the field over; a manager\'s dropped field goes unless someone else owns it', () => {
  const created = apply(undefined, cfg([{ port: 80, targetPort: 8080 }, { port: 443 }]), 'kubectl');
  const forced = apply(created, cfg([{ port: 80, targetPort: 9090 }]), 'helm', true);
  assert.is(forced.spec.ports[0].targetPort, 9090);
  const kubectl = forced.metadata.managedFields.find((m: ManagedFieldsEntry) => m.manager === 'kubectl');
  assert.not.ok(JSON.stringify(kubectl.fieldsV1).includes('targetPort'), 'kubectl lost the field');
  // kubectl stops applying port 443: nobody else owns it, so it goes; port 80 stays (helm owns parts).
  const dropped = apply(forced, cfg([{ port: 80 }]), 'kubectl');
  assert.equal(dropped.spec.ports, [{ port: 80, targetPort: 9090 }]);
});

test('several conflicts are listed per manager; Update managers are named with their API version', () => {
  const live = cfg([{ port: 80, targetPort: 8080 }], { sessionAffinity: 'None' });
  const fields = recordUpdate(undefined, live, 'kubectl-client-side-apply', schema, 'v1', NOW, []);
  let err: Error | undefined;
  try { apply({ ...live, metadata: { name: 'web', managedFields: fields } }, cfg([{ port: 80, targetPort: 1 }], { sessionAffinity: 'ClientIP' }), 'kubectl'); } catch (e) { err = e as Error; }
  assert.is(err?.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using v1:\n- .spec.ports[port=80,protocol="TCP"].targetPort\n- .spec.sessionAffinity');
});

test('an ordinary write owns what it changed and takes it from others', () => {
  const first = recordUpdate(undefined, cfg([{ port: 80 }], { type: 'ClusterIP' }), 'a', schema, 'v1', NOW, []);
  const second = recordUpdate(cfg([{ port: 80 }], { type: 'ClusterIP' }), cfg([{ port: 80 }], { type: 'NodePort' }), 'b', schema, 'v1', NOW, first);
  const byManager = Object.fromEntries(second.map((m) => [m.manager, JSON.stringify(m.fieldsV1)]));
  assert.ok(byManager.b.includes('f:type'));
  assert.not.ok(byManager.a.includes('f:type'));
  assert.ok(byManager.a.includes('f:ports'));
  assert.is(recordUpdate(cfg([]), cfg([]), 'c', schema, 'v1', NOW, second), second, 'no change, no new entry');
});

test.run();
