import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeProxyV1, encodeProxyV2 } from '../../src/data/proxy-protocol.ts';

// Byte sequences written out by hand from haproxy doc/proxy-protocol.txt §2.1 and §2.2.
const SIG = '0d0a0d0a000d0a515549540a';

test('v1 TCP4 matches the spec example', () => {
  const b = encodeProxyV1({ sourceAddress: '192.168.0.1', sourcePort: 56324, destinationAddress: '192.168.0.11', destinationPort: 443 });
  assert.is(b.toString('latin1'), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
});

test('v1 TCP6 and UNKNOWN', () => {
  assert.is(encodeProxyV1({ sourceAddress: '2001:db8::1', sourcePort: 1234, destinationAddress: '::1', destinationPort: 80 }).toString('latin1'),
    'PROXY TCP6 2001:db8::1 ::1 1234 80\r\n');
  assert.is(encodeProxyV1({ sourceAddress: '10.0.0.1', sourcePort: 1, destinationAddress: '::1', destinationPort: 80 }).toString('latin1'),
    'PROXY UNKNOWN\r\n');
});

test('v1 turns an IPv4-mapped client into TCP4', () => {
  assert.is(encodeProxyV1({ sourceAddress: '::ffff:10.0.0.1', sourcePort: 5, destinationAddress: '::ffff:10.0.0.2', destinationPort: 6 }).toString('latin1'),
    'PROXY TCP4 10.0.0.1 10.0.0.2 5 6\r\n');
});

test('v2 TCP over IPv4', () => {
  const b = encodeProxyV2({ sourceAddress: '127.0.0.1', sourcePort: 1234, destinationAddress: '10.1.2.3', destinationPort: 80 });
  assert.is(b.toString('hex'), SIG + '21' + '11' + '000c' + '7f000001' + '0a010203' + '04d2' + '0050');
});

test('v2 TCP over IPv6', () => {
  const b = encodeProxyV2({ sourceAddress: '2001:db8::1', sourcePort: 443, destinationAddress: '::1', destinationPort: 8080 });
  assert.is(b.toString('hex'), SIG + '21' + '21' + '0024'
    + '20010db8000000000000000000000001' + '00000000000000000000000000000001' + '01bb' + '1f90');
  assert.is(b.length, 16 + 36);
});

test('v2 IPv6 with an embedded IPv4 tail and a full address', () => {
  const b = encodeProxyV2({ sourceAddress: '64:ff9b::192.0.2.33', sourcePort: 1, destinationAddress: 'fe80:1:2:3:4:5:6:7', destinationPort: 2 });
  assert.is(b.subarray(16, 48).toString('hex'), '0064ff9b0000000000000000c0000221' + 'fe800001000200030004000500060007');
});

test('v2 mapped IPv4 becomes AF_INET; mixed families become LOCAL', () => {
  const mapped = encodeProxyV2({ sourceAddress: '::ffff:192.168.1.2', sourcePort: 256, destinationAddress: '::ffff:192.168.1.3', destinationPort: 257 });
  assert.is(mapped.toString('hex'), SIG + '2111000c' + 'c0a80102' + 'c0a80103' + '0100' + '0101');
  const local = encodeProxyV2({ sourceAddress: '10.0.0.1', sourcePort: 1, destinationAddress: '::1', destinationPort: 2 });
  assert.is(local.toString('hex'), SIG + '20' + '00' + '0000');
});

test.run();
