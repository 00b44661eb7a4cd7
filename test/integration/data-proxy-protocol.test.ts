// PROXY protocol headers and IPv6 through a real `switchyard serve` (worker threads, raw TCP
// handles on reuseport listeners): the header a backend receives names the real client and the
// address it connected to, for v1 and v2, over IPv4 (ClusterIP) and IPv6 (a NodePort on ::1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

let sy: SwitchyardProcess;
const servers: net.Server[] = [];

/** A backend that records each connection's bytes up to the client's line (the header, then
 *  "hello\n"; they may arrive in one segment or several), then answers "ok\n". */
async function headerBackend(host: string): Promise<{ port: number; next: () => Promise<Buffer> }> {
  const got: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    let seen = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      seen = Buffer.concat([seen, d]);
      if (!seen.subarray(-6).equals(Buffer.from('hello\n'))) return;
      s.off('data', onData);
      const w = waiters.shift();
      if (w) w(seen); else got.push(seen);
      s.end('ok\n');
    };
    s.on('data', onData);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as net.AddressInfo).port,
    next: () => new Promise((r) => { const b = got.shift(); if (b) r(b); else waiters.push(r); }),
  };
}

/** Connect, send one line, wait for the reply; resolve with the client's own address and port. */
function exchange(host: string, port: number): Promise<{ address: string; port: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host, port });
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`no reply from ${host}:${port}`)); }, 5000);
    let reply = '';
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.on('connect', () => c.write('hello\n'));
    c.on('data', (d) => { reply += d; });
    c.on('end', () => {
      clearTimeout(timer);
      resolve({ address: c.localAddress!, port: c.localPort!, reply });
      c.destroy();
    });
  });
}

function service(name: string, proxy: string, podIP: string, backendPort: number, type = 'ClusterIP'): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  annotations: { switchyard.io/proxy-protocol: ${proxy} }
spec:
  type: ${type}
  selector: { app: ${name} }
  ports: [{ port: 7400, targetPort: ${backendPort} }]
---
apiVersion: v1
kind: Pod
metadata: { name: ${name}-1, labels: { app: ${name} } }
spec: { containers: [{ name: c }] }
status: { podIP: "${podIP}" }
`;
}

async function spec(name: string): Promise<{ clusterIP: string; ports: { nodePort?: number }[] }> {
  return JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout).spec;
}

test.before(async () => {
  sy = await startSwitchyard(['--no-demo', '--no-default-probe', '--node-address', '::1', '--workers', '2']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const s of servers) await new Promise((r) => s.close(r));
});

test('PROXY v1 over IPv4: the backend learns the client and the ClusterIP it dialled', async () => {
  const b = await headerBackend('127.0.0.1');
  assert.is((await sy.cli(['apply', '-f', '-'], service('pp1', 'v1', '127.0.0.1', b.port))).code, 0);
  const { clusterIP } = await spec('pp1');
  const c = await exchange(clusterIP, 7400);
  assert.is(c.reply, 'ok\n');
  assert.is((await b.next()).toString('latin1'), `PROXY TCP4 ${c.address} ${clusterIP} ${c.port} 7400\r\nhello\n`);
});

test('PROXY v2 over IPv4: binary header with the same addresses, then the client bytes', async () => {
  const b = await headerBackend('127.0.0.1');
  assert.is((await sy.cli(['apply', '-f', '-'], service('pp2', 'v2', '127.0.0.1', b.port))).code, 0);
  const { clusterIP } = await spec('pp2');
  const c = await exchange(clusterIP, 7400);
  const h = await b.next();
  assert.is(h.length, 16 + 12 + 6);
  assert.is(h.subarray(28).toString(), 'hello\n');
  assert.equal([...h.subarray(0, 12)], [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  assert.is(h[12], 0x21, 'version 2, PROXY command');
  assert.is(h[13], 0x11, 'TCP over IPv4');
  assert.is(h.readUInt16BE(14), 12);
  assert.is([...h.subarray(16, 20)].join('.'), c.address);
  assert.is([...h.subarray(20, 24)].join('.'), clusterIP);
  assert.is(h.readUInt16BE(24), c.port);
  assert.is(h.readUInt16BE(26), 7400);
});

// An IPv4 Service (the ClusterIP range is IPv4; its endpoints are IPv4, as Kubernetes only selects
// Pod IPs of the Service's family) reached by an IPv6 client through a NodePort on ::1.
test('IPv6 client: a NodePort on ::1, the client and the address it dialled in a PROXY v1 header', async () => {
  const b = await headerBackend('127.0.0.1');
  assert.is((await sy.cli(['apply', '-f', '-'], service('v6', 'v1', '127.0.0.1', b.port, 'NodePort'))).code, 0);
  const { ports } = await spec('v6');
  const nodePort = ports[0].nodePort!;
  assert.ok(nodePort > 0);
  // The NodePort listener is set up after the apply returns: retry (bounded) until it accepts.
  let c: Awaited<ReturnType<typeof exchange>> | undefined;
  let lastError: unknown;
  for (let i = 0; i < 50 && !c; i++) {
    c = await exchange('::1', nodePort).catch((e) => { lastError = e; return undefined; });
    if (!c) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(c, `the NodePort on ::1 never answered: ${lastError}\n${(await sy.cli(['describe', 'svc', 'v6'])).stdout}${sy.output().slice(-2000)}`);
  assert.is(c.reply, 'ok\n');
  assert.is((await b.next()).toString('latin1'), `PROXY TCP6 ::1 ::1 ${c.port} ${nodePort}\r\nhello\n`);
});

test.run();
