import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createListeningCensus, parseProcNetTcp, parseProcNetUdp } from '../../src/data/listening-census.ts';
import { addressCovers } from '../../src/model/ip-address.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 11 1 0 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12 1 0 100 0 0 10 0
   2: 00000000:7530 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 13 1 0 100 0 0 10 0
   3: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 14 1 0 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 0000000000000000FFFF00000200007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000
`;

test('parses listening sockets of /proc/net/tcp and tcp6 (little-endian words), skips other states', () => {
  assert.equal(parseProcNetTcp(TCP), [
    { address: '127.0.0.1', port: 8080 }, { address: '127.0.0.1', port: 8080 }, { address: '0.0.0.0', port: 30000 },
  ]);
  assert.equal(parseProcNetTcp(TCP6), [{ address: '::1', port: 8081 }, { address: '127.0.0.2', port: 8082 }]);
});

test('counts the sockets that would take an address\'s traffic: that address, or inside a wildcard; one read per turn', async () => {
  let reads = 0;
  const census = createListeningCensus(async (path) => { reads++; return path.endsWith('6') ? TCP6 : TCP; });
  const counts = await Promise.all([
    census.count('127.0.0.1', 8080), census.count('0.0.0.0', 8080), census.count('127.0.0.2', 8080),
    census.count('127.9.9.9', 30000), census.count('0.0.0.0', 30000), census.count('::', 8081), census.count('0:0:0:0:0:0:0:1', 8081),
    census.count('::ffff:127.0.0.2', 8082), census.count('::', 8082),
  ]);
  // 0.0.0.0:30000 takes nothing from 127.9.9.9:30000: the kernel matches the exact address first.
  assert.equal(counts, [2, 2, 0, 0, 1, 1, 1, 1, 1]);
  assert.is(reads, 2, 'tcp and tcp6 once for all nine');
  const none = createListeningCensus(async () => { throw new Error('ENOENT'); });
  assert.is(await none.count('127.0.0.1', 1), undefined);
  assert.ok(addressCovers('::', '127.0.0.1') && addressCovers('::', '0.0.0.0') && addressCovers('0.0.0.0', '127.0.0.1') && addressCovers('::1', '::1'));
  assert.ok(!addressCovers('127.0.0.1', '0.0.0.0') && !addressCovers('0.0.0.0', '::') && !addressCovers('0.0.0.0', '::1') && !addressCovers('127.0.0.1', '127.0.0.2'));
});

// A bound UDP socket is state 07 (unconnected), a connected one 01; both hold their address and port.
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
14471: 0100007F:96F8 0500007F:DA8A 01 00000000:00000000 00:00000000 00000000     0        0 8702151 2 0000000017af17f2 0
15385: 0500007F:DA8A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8702150 2 000000002bd54ce2 0
15386: 0500007F:DA8A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8702153 2 000000002bd54ce3 0
15400: 0600007F:DA8A 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 8702154 2 000000002bd54ce4 0
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
13304: 00000000000000000000000000000000:DA8A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8702152 2 00000000024ab9a8 0
`;

test('UDP: every socket of /proc/net/udp and udp6 counts, bound (07) or connected (01); TCP and UDP are read apart', async () => {
  assert.equal(parseProcNetUdp(UDP).map((l) => `${l.address}:${l.port}`), ['127.0.0.1:38648', '127.0.0.5:55946', '127.0.0.5:55946', '127.0.0.6:55946']);
  const paths: string[] = [];
  const census = createListeningCensus(async (path) => {
    paths.push(path);
    return path.includes('udp') ? (path.endsWith('6') ? UDP6 : UDP) : (path.endsWith('6') ? TCP6 : TCP);
  });
  const [udp5, udp6, udpAny, tcp] = await Promise.all([
    census.count('127.0.0.5', 55946, 'UDP'), census.count('127.0.0.6', 55946, 'UDP'), census.count('0.0.0.0', 55946, 'UDP'), census.count('127.0.0.1', 8080, 'TCP'),
  ]);
  // [::]:55946 (dual stack) takes nothing from 127.0.0.5 or 0.0.0.0: they are more specific for v4.
  assert.equal([udp5, udp6, udpAny, tcp], [2, 1, 3, 2]);
  assert.equal(paths.sort(), ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/udp', '/proc/net/udp6']);
});

test('reads are spaced out: after a read of d ms the next starts d × 4 ms after it, and requests meanwhile share it', async () => {
  let now = 1000;
  const starts: number[] = [];
  const census = createListeningCensus((path) => {
    if (!path.endsWith('6')) { starts.push(now); now += 5; }
    return path.endsWith('6') ? TCP6 : TCP;
  }, () => now);
  assert.is(await census.count('127.0.0.1', 8080), 2);
  // The next read is due at 1025 (5 ms read × 4); the clock says 1005 now, so it waits ~20 ms.
  const t0 = performance.now();
  const later = [census.count('127.0.0.1', 8080), census.count('0.0.0.0', 30000)];
  assert.equal(await Promise.all(later), [2, 1]);
  assert.ok(performance.now() - t0 >= 18, 'waited for its turn (a timer never fires early)');
  assert.equal(starts, [1000, 1005], 'one read for both requests made while waiting');
});

test.run();
