import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { controllerLease, microTime } from '../../src/control/controller-lease.ts';
import { describeGeneric, smartLabel } from '../../src/cli/printers/describe-generic.ts';

const T0 = Date.parse('2026-01-10T12:00:00.250Z');

test('the Lease reports the election: holder, duration, MicroTimes, transitions counted across holders', () => {
  const first = controllerLease('switchyard-controller', { holder: 'a-1', acquiredAt: T0, renewedAt: T0 + 1000, transitions: 0, ttlSeconds: 5 }, undefined)!;
  assert.equal(first, {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name: 'switchyard-controller', namespace: 'kube-system' },
    spec: { holderIdentity: 'a-1', leaseDurationSeconds: 5, acquireTime: '2026-01-10T12:00:00.250000Z', renewTime: '2026-01-10T12:00:01.250000Z', leaseTransitions: 0 },
  });
  // A renewal by the same holder is no transition; another holder is one more than it found.
  const renewed = controllerLease('switchyard-controller', { holder: 'a-1', acquiredAt: T0, renewedAt: T0 + 2000, transitions: 0, ttlSeconds: 5 }, first)!;
  assert.is(renewed.spec.leaseTransitions, 0);
  assert.is(renewed.spec.renewTime, '2026-01-10T12:00:02.250000Z');
  const taken = controllerLease('switchyard-controller', { holder: 'b-2', acquiredAt: T0 + 9000, renewedAt: T0 + 9000, transitions: 0, ttlSeconds: 5 }, { ...renewed, spec: { ...renewed.spec, leaseTransitions: 4 } })!;
  assert.is(taken.spec.leaseTransitions, 5);
  assert.is(taken.spec.holderIdentity, 'b-2');
  assert.is(controllerLease('x', { transitions: 0, ttlSeconds: 5 }, undefined), undefined, 'nobody holds it');
  assert.is(microTime(Date.parse('2026-01-10T12:00:00Z')), '2026-01-10T12:00:00.000000Z');
});

test('describe lease: kubectl\'s generic describer (smart labels, sorted fields, metadata below)', () => {
  assert.equal(['apiVersion', 'uid', 'leaseDurationSeconds', 'podIP', 'creationTimestamp', 'x_y'].map(smartLabel),
    ['API Version', 'UID', 'Lease Duration Seconds', 'Pod IP', 'Creation Timestamp', 'x_y']);
  const lease = controllerLease('switchyard-controller', { holder: 'a-1', acquiredAt: T0, renewedAt: T0, transitions: 0, ttlSeconds: 5 }, undefined)!;
  lease.metadata = { ...lease.metadata, uid: 'u-1', resourceVersion: '7000', creationTimestamp: '2026-01-10T12:00:00Z', managedFields: [] };
  assert.is(describeGeneric(lease, [], T0), [
    'Name:         switchyard-controller',
    'Namespace:    kube-system',
    'Labels:       <none>',
    'Annotations:  <none>',
    'API Version:  coordination.k8s.io/v1',
    'Kind:         Lease',
    'Metadata:',
    '  Creation Timestamp:  2026-01-10T12:00:00Z',
    '  Resource Version:    7000',
    '  UID:                 u-1',
    'Spec:',
    '  Acquire Time:            2026-01-10T12:00:00.250000Z',
    '  Holder Identity:         a-1',
    '  Lease Duration Seconds:  5',
    '  Lease Transitions:       0',
    '  Renew Time:              2026-01-10T12:00:00.250000Z',
    'Events:                    <none>',
    '',
  ].join('\n'));
});

test.run();
