import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalIP, cidrRange, compareIPs, formatIPValue, ipBytes, ipValue, isIPv6String, joinHostPort } from '../../src/model/ip-address.ts';

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

test('integers and bytes print and parse as the text does', () => {
  for (const text of ['10.0.0.1', '2001:db8::1', '2001:db8::1:0:0:1', '2001:0:0:1::1', '::', '::1', 'fe80::', '1.2.3.4']) {
    const v = ipValue(text)!;
    assert.is(formatIPValue(v.family, v.value), canonicalIP(text), text);
  }
  assert.equal(ipValue('::ffff:1.2.3.4'), { family: 4, value: 0x01020304n });
  assert.equal(cidrRange('2001:db8::7/64'), { family: 6, network: 0x20010db8n << 96n, prefix: 64, bits: 128 });
  assert.is(cidrRange('10.0.0.0/33'), undefined);
  assert.equal([...ipBytes('10.1.2.3', 4)!], [10, 1, 2, 3]);
  assert.equal([...ipBytes('2001:db8::1', 6)!], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal([...ipBytes('::ffff:1.2.3.4', 6)!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.is(ipBytes('nginx', 4), undefined);
});

test.run();
