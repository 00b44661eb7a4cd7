import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createListeningCensus, parseProcNetTcp } from '../../src/data/listening-census.ts';
import { addressesOverlap } from '../../src/model/ip-address.ts';

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
  assert.equal(parseProcNetTcp(TCP, false), [
    { address: '127.0.0.1', port: 8080 }, { address: '127.0.0.1', port: 8080 }, { address: '0.0.0.0', port: 30000 },
  ]);
  assert.equal(parseProcNetTcp(TCP6, true), [{ address: '::1', port: 8081 }, { address: '127.0.0.2', port: 8082 }]);
});

test('counts sockets overlapping an address: wildcards cover their family, :: covers both; one read per turn', async () => {
  let reads = 0;
  const census = createListeningCensus(async (path) => { reads++; return path.endsWith('6') ? TCP6 : TCP; });
  const counts = await Promise.all([
    census.count('127.0.0.1', 8080), census.count('0.0.0.0', 8080), census.count('127.0.0.2', 8080),
    census.count('127.9.9.9', 30000), census.count('::', 8081), census.count('0:0:0:0:0:0:0:1', 8081), census.count('::ffff:127.0.0.2', 8082),
  ]);
  assert.equal(counts, [2, 2, 0, 1, 1, 1, 1]);
  assert.is(reads, 2, 'tcp and tcp6 once for all seven');
  const none = createListeningCensus(async () => { throw new Error('ENOENT'); });
  assert.is(await none.count('127.0.0.1', 1), undefined);
  assert.ok(addressesOverlap('::', '127.0.0.1') && addressesOverlap('0.0.0.0', '127.0.0.1') && !addressesOverlap('0.0.0.0', '::1'));
});

test.run();
