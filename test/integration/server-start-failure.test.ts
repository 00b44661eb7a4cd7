// startServer failing part-way undoes what it started. The admin API, its last step, refuses a
// non-loopback address without a token after the workers, the data-plane sync and the health loop
// are running; afterwards no probe reaches the backend and the state directory opens again (the
// store was closed). In-process, real workers, a real TCP backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../../src/server/server.ts';
import { SERVER_DEFAULTS, type ServerOptions } from '../../src/server/server-options.ts';
import type { SyError } from '../../src/model/sy-error.ts';
import { randomLoopback, randomServiceCidr } from '../helpers/free-port.ts';
import { until } from '../helpers/data-plane.ts';

const PERIOD_MS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'sy-start-failure-'));
const manifest = join(dir, 'app.yaml');
let accepted = 0;
const backend = net.createServer((s) => { accepted += 1; s.destroy(); });

test.before(async () => {
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const port = (backend.address() as net.AddressInfo).port;
  writeFileSync(manifest, `apiVersion: v1
kind: Service
metadata: { name: probed }
spec: { selector: { app: probed }, ports: [{ port: 80, targetPort: ${port} }] }
---
apiVersion: v1
kind: Pod
metadata: { name: probed-1, labels: { app: probed } }
spec: { containers: [{ name: c }] }
status: { podIP: 127.0.0.1 }
`);
});

test.after(async () => {
  await new Promise((r) => backend.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** The implicit TCP probe connects to the backend once a period. */
function options(admin: ServerOptions['admin']): ServerOptions {
  return {
    ...SERVER_DEFAULTS, stateDir: join(dir, 'state'), files: [manifest], log: () => {},
    admin, serviceCidr: randomServiceCidr(), nodeAddresses: [randomLoopback()], workers: 1, maxSlots: 64,
    defaultProbe: { ...SERVER_DEFAULTS.defaultProbe, periodSeconds: PERIOD_MS / 1000 },
  };
}

test('a failed start stops the health loop it started and closes the store', async () => {
  // The probe this test watches for does reach the backend from a server that started.
  const ok = await startServer(options({ host: '127.0.0.1', port: 0 }));
  await until(() => accepted > 0, 'a probe reaches the backend');
  await ok.stop();

  const err = await startServer(options({ host: '0.0.0.0', port: 0 })).then(() => undefined, (e: SyError) => e);
  assert.is(err?.code, 'SY_ADMIN_INSECURE');
  // Nothing to wait for when nothing must happen: a probe already in flight at the failure may
  // still land during one period; none may land during the three after it.
  await sleep(PERIOD_MS);
  const before = accepted;
  await sleep(3 * PERIOD_MS);
  assert.is(accepted, before, 'no probe after the failed start');

  const again = await startServer(options({ host: '127.0.0.1', port: 0 }));
  await again.stop();
});

test.run();
