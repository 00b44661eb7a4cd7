import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClientAddress } from '../../src/balancers/client-address.ts';
import { attachEndpointTable, createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { ADMIN_DOWN, DRAINING, READY, SERVING, stateFlags, stateGeneration } from '../../src/shared/slot-state.ts';
import type { ApiError } from '../../src/model/api-error.ts';

const addr = (ip: string): Int32Array => {
  const a = new Int32Array(4);
  assert.ok(parseClientAddress(ip, a), ip);
  return a;
};

test('a worker view attached to the buffer reads the header sizes and sees the same words', () => {
  const t = createEndpointTable({ maxSlots: 10, maxServicePorts: 3, affinityEntries: 50 });
  const w = attachEndpointTable(t.buffer);
  assert.equal([w.maxSlots, w.maxServicePorts, w.affinityCapacity], [10, 3, 64]);
  t.updateFlags(9, READY | SERVING, 0);
  t.setWeight(9, 7);
  w.slotOpened(9);
  w.connectFailed(9);
  w.connectFailed(9);
  assert.equal([w.flags(9), w.weight(9), t.active(9), t.totalConnections(9), t.consecutiveFailures(9), t.totalConnectFailures(9)],
    [READY | SERVING, 7, 1, 1, 2, 2]);
  w.connectSucceeded(9);
  assert.equal([t.consecutiveFailures(9), t.totalConnectFailures(9)], [0, 2]);
  w.countRefusal(2, 'sourceRange');
  w.countPortConnection(2);
  assert.equal([t.refusals(2, 'sourceRange'), t.refusals(2, 'noEndpoints'), t.portTotalConnections(2)], [1, 0, 1]);
});

test('layout version 7, word by word: moving any word needs a new VERSION', () => {
  // Sizes 10 slots, 3 Service ports, 64 affinity entries, 4 worker rows. Int32 region: header 16,
  // slot states at 16 (one word each, 12 words to keep 16-byte alignment), slot records at 28
  // (stride 4), ports at 68 (stride 4), affinity at 80 (stride 10), 720 words. BigInt64 region from
  // byte 2880: slots at 0 (stride 9), ports at 90 (stride 49), workers at 237 (stride 8).
  const t = createEndpointTable({ maxSlots: 10, maxServicePorts: 3, affinityEntries: 50, maxWorkers: 4 });
  assert.is(t.buffer.byteLength, 720 * 4 + 269 * 8);
  const i32 = new Int32Array(t.buffer, 0, 720);
  const i64 = new BigInt64Array(t.buffer, 720 * 4);
  assert.equal([...i32.subarray(0, 11)], [0x53594554, 7, 10, 3, 64, 0, 0, 4, 0, 0, -1], 'header; the descriptor room starts unlimited');
  t.updateFlags(9, READY | SERVING, 0);
  t.setWeight(9, 7);
  t.slotOpened(9);
  t.connectFailed(9);
  t.icmpRefused(9, true);
  assert.is(i32[25], READY | SERVING, 'slot 9 state');
  assert.equal([...i32.subarray(64, 68)], [7, 1, 2, 0], 'slot 9 weight, active, consecutive failures');
  assert.is(i32[6], 1, 'weight epoch');
  assert.is(i32[8], 1, 'state epoch: bumped by the one flags change');
  t.updateFlags(9, READY | SERVING, 0);
  assert.is(i32[8], 1, 'state epoch: an unchanged state word leaves it');
  assert.equal([i64[81], i64[82], i64[89]], [1n, 2n, 1n], 'slot 9 total, failures, ICMP refusals');
  assert.is(i32[8], 1, 'state epoch: counters leave it');
  t.retireSlot(9);
  assert.is(i32[25], 1 << 8, 'generation above the flag bits');
  assert.is(i32[8], 2, 'state epoch: bumped by the retirement');
  t.nextCursor(2);
  t.tryAddPortActive(2, 0);
  t.tryAddGlobalActive(0);
  assert.ok(t.tryAddUdpFlow(2));
  assert.ok(t.tryAddUdpFlow(2));
  assert.ok(!t.tryAddUdpFlow(2), '--max-udp-flows is exact');
  assert.equal([i32[76], i32[77], i32[5], i32[8], i32[9]], [1, 1, 1, 2, 2], 'cursor, port active, global active, state epoch, UDP flows');
  t.setDescriptorRoom(4);
  assert.is(i32[10], 4, 'the descriptor room');
  assert.ok(!t.tryAddGlobalActive(0), 'one connection and two flows hold all four');
  t.setDescriptorRoom(-1);
  assert.ok(t.rememberAffinity(1, addr('10.1.2.3'), 3, 5, 100, 10));
  const used = [...Array(64).keys()].filter((e) => i32[80 + e * 10] !== 0);
  assert.is(used.length, 1);
  assert.equal([...i32.subarray(80 + used[0] * 10, 90 + used[0] * 10)], [2, 1, 0, 0, 0xffff, 0x0a010203, 3, 5, 100, 10]);
  for (let k = 0; k < 3; k++) t.countPortConnection(2);
  t.countRefusal(2, 'sourceRange');
  t.countRefusal(2, 'maxConnections');
  t.countRefusal(2, 'maxConnections');
  t.addBytes(2, 4, 5, 6);
  t.countConnectError(2);
  t.countRetry(2);
  t.countRetry(2);
  t.countRefusal(2, 'localError');
  assert.equal([...i64.subarray(188, 196)], [3n, 0n, 2n, 1n, 5n, 6n, 1n, 2n]);
  assert.is(i64[188 + 36], 1n, 'local errors, after the histograms');
  assert.equal([i64[38], i64[39]], [5n, 6n], 'slot 4 bytes');
  t.addDatagrams(2, 4, 7, 8);
  t.countFlowEnd(2, 'idle');
  t.countFlowEnd(2, 'refused');
  t.countUdpDrops(2, 'noEndpoints', 3);
  t.countUdpDrops(2, 'draining', 4);
  t.countUdpDrops(2, 'localError', 5);
  assert.equal([...i64.subarray(225, 237)], [7n, 8n, 1n, 0n, 1n, 0n, 3n, 0n, 0n, 0n, 4n, 5n], 'port 2 datagrams, flows ended, drops: the last words of a port');
  assert.equal([i64[42], i64[43]], [7n, 8n], 'slot 4 datagrams');
  t.observe(1, 'duration', 2);
  assert.equal([i64[139 + 24 + 4], i64[139 + 24 + 11]], [1n, 2_000_000n]);
  t.workerOpened(3);
  t.workerOpened(3);
  t.workerFlowOpened(3);
  t.workerRestarted(3);
  assert.equal([...i64.subarray(261, 269)], [2n, 0n, 1n, 0n, 0n, 0n, 0n, 1n]);
  assert.is(i64.length, 269);
});

test('attaching a foreign buffer and bad sizes fail with stable codes', () => {
  try { attachEndpointTable(new SharedArrayBuffer(1024)); assert.unreachable(); } catch (e) { assert.is((e as ApiError).code, 'SY_TABLE_LAYOUT'); }
  try { createEndpointTable({ maxSlots: 0, maxServicePorts: 1, affinityEntries: 1 }); assert.unreachable(); } catch (e) { assert.is((e as ApiError).code, 'SY_TABLE_SIZE'); }
});

test('flags and generation share one word; retiring bumps the generation and clears flags', () => {
  const t = createEndpointTable({ maxSlots: 2, maxServicePorts: 1, affinityEntries: 8 });
  t.updateFlags(1, READY | SERVING | ADMIN_DOWN, 0);
  t.updateFlags(1, DRAINING, ADMIN_DOWN);
  assert.is(t.flags(1), READY | SERVING | DRAINING);
  assert.is(t.generation(1), 0);
  t.retireSlot(1);
  assert.equal([t.flags(1), t.generation(1)], [0, 1]);
  assert.equal([stateFlags(t.slotState(1)), stateGeneration(t.slotState(1))], [0, 1]);
  assert.is(t.flags(0), 0, 'neighbour untouched');
});

test('weight epoch changes only when a weight does', () => {
  const t = createEndpointTable({ maxSlots: 2, maxServicePorts: 1, affinityEntries: 8 });
  const e0 = t.weightEpoch();
  t.setWeight(0, 3);
  t.setWeight(0, 3);
  assert.is(t.weightEpoch(), e0 + 1);
});

test('admission limits are exact and never exceeded', () => {
  const t = createEndpointTable({ maxSlots: 1, maxServicePorts: 2, affinityEntries: 8 });
  assert.equal([t.tryAddPortActive(1, 2), t.tryAddPortActive(1, 2), t.tryAddPortActive(1, 2)], [true, true, false]);
  assert.is(t.portActive(1), 2);
  assert.is(t.addPortActive(1, -1), 1);
  assert.ok(t.tryAddGlobalActive(0));
  assert.ok(!t.tryAddGlobalActive(1));
  assert.is(t.globalActive(), 1);
});

test('round-robin cursor is one shared counter per Service port', () => {
  const t = createEndpointTable({ maxSlots: 1, maxServicePorts: 2, affinityEntries: 8 });
  const w = attachEndpointTable(t.buffer);
  assert.equal([t.nextCursor(0), w.nextCursor(0), t.nextCursor(0), w.nextCursor(1)], [0, 1, 2, 0]);
  t.resetServicePort(0);
  assert.is(w.nextCursor(0), 0);
});

test('affinity: hit within the timeout, keyed by port and address, miss after it', () => {
  const t = createEndpointTable({ maxSlots: 4, maxServicePorts: 2, affinityEntries: 64 });
  assert.ok(t.rememberAffinity(0, addr('10.1.2.3'), 3, 5, 100, 10));
  assert.equal({ ...t.lookupAffinity(0, addr('10.1.2.3'), 109, 10)! }, { slot: 3, generation: 5, lastUsed: 100 });
  assert.equal({ ...t.lookupAffinity(0, addr('::ffff:10.1.2.3'), 109, 10)! }, { slot: 3, generation: 5, lastUsed: 100 });
  assert.is(t.lookupAffinity(1, addr('10.1.2.3'), 100, 10), null);
  assert.is(t.lookupAffinity(0, addr('10.1.2.4'), 100, 10), null);
  // Whole-second stamps: 10 apart may be less than 10 s of real time, so only past 10 is a miss.
  assert.equal({ ...t.lookupAffinity(0, addr('10.1.2.3'), 110, 10)! }, { slot: 3, generation: 5, lastUsed: 100 });
  assert.is(t.lookupAffinity(0, addr('10.1.2.3'), 111, 10), null);
  assert.ok(t.rememberAffinity(0, addr('10.1.2.3'), 2, 6, 111, 10), 'refresh overwrites the same entry');
  assert.equal({ ...t.lookupAffinity(0, addr('10.1.2.3'), 121, 10)! }, { slot: 2, generation: 6, lastUsed: 111 });
  t.forgetAffinity(0);
  assert.is(t.lookupAffinity(0, addr('10.1.2.3'), 112, 10), null);
});

test('affinity: a full probe window reclaims expired entries first, else evicts the least recently used', () => {
  const t = createEndpointTable({ maxSlots: 4, maxServicePorts: 1, affinityEntries: 8 });
  const clients = Array.from({ length: 8 }, (_, i) => addr(`2001:db8::${i + 1}`));
  clients.forEach((a, i) => assert.ok(t.rememberAffinity(0, a, i % 4, 0, 1000 + i, 100)));
  clients.forEach((a, i) => assert.is(t.lookupAffinity(0, a, 1010, 100)?.slot, i % 4));
  // Table full, nothing expired: the client last seen at t=1000 is evicted.
  assert.ok(t.rememberAffinity(0, addr('2001:db8::99'), 1, 0, 1050, 100));
  assert.is(t.lookupAffinity(0, clients[0], 1050, 100), null);
  assert.is(t.lookupAffinity(0, clients[1], 1050, 100)?.slot, 1);
  assert.is(t.lookupAffinity(0, addr('2001:db8::99'), 1050, 100)?.slot, 1);
  // Client 3 refreshed at 1100: six newcomers at 1103 take the expired entries (clients 1, 2) and then
  // the least recently used ones (clients 4..7), never client 3 or ::99.
  assert.ok(t.rememberAffinity(0, clients[3], 3, 0, 1100, 100));
  for (let k = 0; k < 6; k++) assert.ok(t.rememberAffinity(0, addr(`2001:db8::a${k}`), 2, 0, 1103, 100));
  assert.is(t.lookupAffinity(0, clients[3], 1103, 100)?.slot, 3);
  assert.is(t.lookupAffinity(0, addr('2001:db8::99'), 1103, 100)?.slot, 1);
});

test('client addresses: IPv4, IPv6 (compressed, zoned, embedded IPv4) and rejects', () => {
  assert.equal([...addr('1.2.3.4')], [0, 0, 0xffff, 0x01020304]);
  assert.equal([...addr('255.255.255.255')], [0, 0, 0xffff, -1]);
  assert.equal([...addr('::1')], [0, 0, 0, 1]);
  assert.equal([...addr('2001:db8::8:800:200c:417a')], [0x20010db8, 0, 0x00080800, 0x200c417a]);
  assert.equal([...addr('fe80::1%eth0')], [0xfe800000 | 0, 0, 0, 1]);
  assert.equal([...addr('::FFFF:1.2.3.4')], [...addr('1.2.3.4')]);
  assert.equal([...addr('1:2:3:4:5:6:7:8')], [0x10002, 0x30004, 0x50006, 0x70008]);
  assert.equal([...addr('1::')], [0x10000, 0, 0, 0]);
  const out = new Int32Array(4);
  for (const bad of ['', 'nginx', '1.2.3', '1.2.3.256', '1.2.3.4.5', '1::2::3', '12345::', ':1', '1:2:3:4:5:6:7:8:9', '1:']) {
    assert.is(parseClientAddress(bad, out), false, bad);
  }
});

test.run();
