import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFieldError } from '../../src/model/field-errors.ts';
import { createClusterIpAllocator } from '../../src/control/cluster-ip-allocator.ts';
import { cidrRange, formatIPValue, ipValue } from '../../src/model/ip-address.ts';
import { ApiError } from '../../src/model/api-error.ts';

test('default range hands out the lowest free address, skipping the network address', () => {
  const a = createClusterIpAllocator();
  assert.is(a.cidr, '127.96.0.0/12');
  assert.is(a.allocateNext(), '127.96.0.1');
  assert.is(a.allocateNext(), '127.96.0.2');
  assert.is(a.free(), (1n << 20n) - 2n - 2n);
});

test('explicit IPs: range and collision errors carry the upstream texts on spec.clusterIPs[0]', () => {
  const a = createClusterIpAllocator('10.0.0.0/24');
  assert.is(a.allocate('10.0.0.7'), undefined);
  assert.ok(a.has('10.0.0.7'));
  assert.is(formatFieldError(a.allocate('10.0.0.7')!),
    'spec.clusterIPs[0]: Invalid value: "10.0.0.7": failed to allocate IP 10.0.0.7: provided IP is already allocated');
  assert.is(formatFieldError(a.allocate('10.0.1.1')!),
    'spec.clusterIPs[0]: Invalid value: "10.0.1.1": failed to allocate IP 10.0.1.1: the provided IP (10.0.1.1) is not in the valid range. The range of valid IPs is 10.0.0.0/24');
  // Network and broadcast addresses are outside the usable range.
  assert.ok(a.allocate('10.0.0.0'));
  assert.ok(a.allocate('10.0.0.255'));
  assert.ok(a.allocate('fd00::1'));
  assert.is(a.allocate('10.0.0.254', 'spec.clusterIPs[1]'), undefined);
});

test('automatic allocation skips explicit ones and reuses released addresses lowest first', () => {
  const a = createClusterIpAllocator('10.0.0.0/29');
  a.allocate('10.0.0.1');
  a.allocate('10.0.0.3');
  assert.is(a.allocateNext(), '10.0.0.2');
  assert.is(a.allocateNext(), '10.0.0.4');
  a.release('10.0.0.1');
  a.release('10.0.0.99');
  assert.is(a.allocateNext(), '10.0.0.1');
  assert.is(a.allocateNext(), '10.0.0.5');
});

test('exhaustion is a clear 500 with a stable code, and a release makes room again', () => {
  const a = createClusterIpAllocator('10.0.0.0/30');
  assert.is(a.allocateNext(), '10.0.0.1');
  assert.is(a.allocateNext(), '10.0.0.2');
  try {
    a.allocateNext();
    assert.unreachable('range should be full');
  } catch (err) {
    assert.instance(err, ApiError);
    assert.is((err as ApiError).code, 'SY_CLUSTER_IP_RANGE_FULL');
    assert.is((err as ApiError).httpStatus, 500);
    assert.match((err as Error).message, 'failed to allocate a serviceIP: range is full');
  }
  a.release('10.0.0.2');
  assert.is(a.allocateNext(), '10.0.0.2');
});

test('IPv6 ranges have no broadcast; addresses are canonical', () => {
  const a = createClusterIpAllocator('fd00:0:0:0::/126');
  assert.is(a.family, 'IPv6');
  assert.is(a.cidr, 'fd00::/126');
  assert.equal([a.allocateNext(), a.allocateNext(), a.allocateNext()], ['fd00::1', 'fd00::2', 'fd00::3']);
  assert.ok(a.has('FD00:0::3'));
});

test('bad or too small CIDRs are refused with SY_SERVICE_CIDR', () => {
  for (const c of ['10.0.0.0', '10.0.0.0/33', 'nope/8', '10.0.0.0/31']) {
    try {
      createClusterIpAllocator(c);
      assert.unreachable(c);
    } catch (err) {
      assert.is((err as ApiError).code, 'SY_SERVICE_CIDR', c);
    }
  }
});

test('ip-address helpers round-trip', () => {
  assert.is(formatIPValue(6, ipValue('2001:db8:0:0:1:0:0:1')!.value), '2001:db8::1:0:0:1');
  // IPv4-mapped IPv6 is IPv4, as in Go's net.ParseIP and the validation
  assert.equal(ipValue('::ffff:1.2.3.4'), { family: 4, value: 0x01020304n });
  assert.is(formatIPValue(4, cidrRange('127.96.5.5/12')!.network), '127.96.0.0');
  assert.is(ipValue('1.2.3'), undefined);
});

test.run();
