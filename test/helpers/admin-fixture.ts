// The real admin server over the real registry and a real SQLite store in a temp dir, in-process,
// for the admin API and CLI integration tests. close() stops everything and removes the dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../src/admin/admin-server.ts';

export interface AdminFixture {
  dir: string;
  registry: Registry;
  server: AdminServer;
  base: string;
  agent: Agent;
  /** Lines the admin server logged. */
  logs: string[];
  close(): Promise<void>;
}

export async function startAdminFixture(prefix: string, opts: Partial<AdminServerOptions> = {}): Promise<AdminFixture> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const registry = await createRegistry({ store: await openSqliteStore(join(dir, 'state')) });
  const logs: string[] = [];
  const server = await startAdminServer({ control: registry, host: '127.0.0.1', port: 0, log: (l) => logs.push(l), ...opts });
  const agent = new Agent({ connections: 4 });
  return {
    dir, registry, server, agent, logs, base: `http://127.0.0.1:${server.port}`,
    async close() {
      await agent.close();
      await server.close();
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
