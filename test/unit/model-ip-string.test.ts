import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalIP, compareIPs, isIPv6String, joinHostPort } from '../../src/model/ip-string.ts';

test('canonicalIP prints like Go net.IP.String()', () => {
  assert.is(canonicalIP('10.0.0.1'), '10.0.0.1');
  assert.is(canonicalIP('010.000.000.001'), '10.0.0.1');
  assert.is(canonicalIP('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.is(canonicalIP('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.is(canonicalIP('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
  assert.is(canonicalIP('2001:db8:1:1:1:1:0:1'), '2001:db8:1:1:1:1:0:1');
  assert.is(canonicalIP('::'), '::');
  assert.is(canonicalIP('::1'), '::1');
  assert.is(canonicalIP('fe80::'), 'fe80::');
  assert.is(canonicalIP('::ffff:1.2.3.4'), '1.2.3.4');
  assert.is(canonicalIP('nginx'), undefined);
  assert.is(canonicalIP('1.2.3'), undefined);
});

test('family, ordering and host:port joining', () => {
  assert.ok(isIPv6String('fd00::1'));
  assert.not.ok(isIPv6String('10.0.0.1'));
  assert.not.ok(isIPv6String('::ffff:10.0.0.1'));
  assert.not.ok(isIPv6String(undefined));
  const sorted = ['fd00::1', '10.0.0.10', '10.0.0.2', '9.9.9.9'].sort(compareIPs);
  assert.equal(sorted, ['9.9.9.9', '10.0.0.2', '10.0.0.10', 'fd00::1']);
  assert.is(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.is(joinHostPort('2001:db8::', 8084), '[2001:db8::]:8084');
});

test.run();
