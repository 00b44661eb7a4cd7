import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCidrMatcher } from '../../src/data/cidr-matcher.ts';

test('empty list allows everyone', () => {
  const m = createCidrMatcher([]);
  assert.ok(m('1.2.3.4'));
  assert.ok(m('::1'));
});

test('IPv4 ranges with odd prefixes', () => {
  const m = createCidrMatcher(['10.0.0.0/8', '192.168.4.0/22', '203.0.113.7']);
  assert.ok(m('10.255.1.1'));
  assert.not.ok(m('11.0.0.1'));
  assert.ok(m('192.168.7.255'));
  assert.not.ok(m('192.168.8.0'));
  assert.not.ok(m('192.168.3.255'));
  assert.ok(m('203.0.113.7'));
  assert.not.ok(m('203.0.113.8'));
});

test('IPv4-mapped IPv6 clients match IPv4 ranges', () => {
  const m = createCidrMatcher(['127.0.0.0/8']);
  assert.ok(m('::ffff:127.0.0.1'));
  assert.ok(m('::FFFF:127.1.2.3'));
  assert.not.ok(m('::ffff:128.0.0.1'));
  assert.not.ok(m('::1'));
});

test('IPv6 ranges', () => {
  const m = createCidrMatcher(['2001:db8::/33', '::1/128']);
  assert.ok(m('2001:db8::1'));
  assert.ok(m('2001:db8:7fff::1'));
  assert.not.ok(m('2001:db8:8000::1'));
  assert.ok(m('::1'));
  assert.not.ok(m('::2'));
  assert.not.ok(m('127.0.0.1'));
  assert.ok(createCidrMatcher(['::/0'])('fe80::1%eth0'));
  assert.ok(createCidrMatcher(['0.0.0.0/0'])('8.8.8.8'));
  assert.not.ok(createCidrMatcher(['0.0.0.0/0'])('2001:db8::1'));
});

test('garbage addresses never match; malformed CIDRs throw with a code', () => {
  assert.not.ok(createCidrMatcher(['10.0.0.0/8'])('not-an-ip'));
  for (const bad of ['10.0.0.0/33', '10.0.0/8', '::/129', '1.2.3.4/', '1.2.3.4/8/9', 'x/1', '1.2.3.4/-1']) {
    try {
      createCidrMatcher([bad]);
      assert.unreachable(`accepted ${bad}`);
    } catch (e) {
      assert.is((e as { code?: string }).code, 'SY_INVALID_CIDR', bad);
    }
  }
});

test.run();
