// coordination.k8s.io/v1 Lease, as switchyard serves it (the controllers' leader). Pure.
import { topLevel } from './meta-types.ts';
import { defineType, int, str, withDescription } from './schema.ts';

const L = 'io.k8s.api.coordination.v1.';

/** MicroTime: a date-time with microseconds. */
const microTime = (description: string) => ({ type: 'string' as const, format: 'date-time' as const, description });

const leaseSpec = defineType({
  name: `${L}LeaseSpec`,
  description: 'LeaseSpec is a specification of a Lease.',
  properties: {
    holderIdentity: str('holderIdentity contains the identity of the holder of a current lease.'),
    leaseDurationSeconds: int('leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.'),
    acquireTime: microTime('acquireTime is a time when the current lease was acquired.'),
    renewTime: microTime('renewTime is a time when the current holder of a lease has last updated the lease.'),
    leaseTransitions: int('leaseTransitions is the number of transitions of a lease between holders.'),
  },
});

export const lease = defineType({
  name: `${L}Lease`,
  description: 'Lease defines a lease concept.',
  properties: topLevel({
    spec: withDescription(leaseSpec, 'spec contains the specification of the Lease.'),
  }),
  gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
});
