// Starts the quickstart's demo backends (a child process) and applies a Pod for each, labelled to
// match the example Service (default/nginx-svc), so `npm start` carries real traffic at once.
// Main thread. The Pods are labelled switchyard.io/demo and deleted again on stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunningServer } from '../server/server.ts';
import type { Pod, Service } from '../model/types.ts';
import { SyError } from '../model/sy-error.ts';

const COUNT = 3;

export interface DemoBackends {
  /** Delete the demo Pods (their endpoints drain); call before the server stops. */
  removePods(): Promise<void>;
  /** Stop the backend process; call after the server has drained. */
  stop(): Promise<void>;
}

export async function startDemoBackends(server: RunningServer, log: (level: 'info' | 'warn', message: string) => void): Promise<DemoBackends> {
  const service = server.registry.get('Service', 'default', 'nginx-svc') as Service | undefined;
  if (!service?.spec.selector) throw new SyError('SY_DEMO_BACKENDS', 'the example Service default/nginx-svc (with a selector) is not applied');
  const port = service.spec.ports?.[0];
  if (!port) throw new SyError('SY_DEMO_BACKENDS', 'default/nginx-svc has no ports');
  const named = typeof port.targetPort === 'string' ? port.targetPort : undefined;
  const ips = Array.from({ length: COUNT }, (_, i) => `127.0.10.${i + 1}`);
  const child = spawn(process.execPath, [new URL('./demo-backend-process.ts', import.meta.url).pathname,
    String(named ? 0 : port.targetPort ?? port.port), ...ips], { stdio: ['pipe', 'pipe', 'inherit'] });
  const bound = await new Promise<{ ip: string; port: number }[]>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new SyError('SY_DEMO_BACKENDS', `demo backend process exited (${code}); is port ${port.targetPort} free and bindable?`)));
  });
  const names: string[] = [];
  for (const [i, b] of bound.entries()) {
    const name = `demo-nginx-${i + 1}`;
    names.push(name);
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { ...service.spec.selector, 'switchyard.io/demo': 'true' } },
      spec: { containers: [{ name: 'demo', image: 'switchyard-demo', ports: [{ name: named, containerPort: b.port, protocol: 'TCP' }] }] },
      status: { phase: 'Running', podIP: b.ip },
    };
    if (!named) delete pod.spec.containers[0].ports![0].name;
    await server.registry.apply(pod);
  }
  await server.sync.settled();
  const fresh = server.registry.get('Service', 'default', 'nginx-svc') as Service;
  const p = fresh.spec.ports![0];
  log('info', `DEMO: started ${COUNT} demo backends (pods ${names.join(', ')}, label switchyard.io/demo=true; turn off with --no-demo)`);
  const isBound = (id: string) => server.sync.listeners().some((l) => l.id === id && l.bound);
  const urls = [`http://${fresh.spec.clusterIP}:${p.port}/`, p.nodePort ? `http://127.0.0.1:${p.nodePort}/` : '']
    .filter((u, i) => u && (i === 1 || isBound(`${fresh.spec.clusterIP}:${p.port}/TCP`)));
  log('info', `DEMO: try   ${urls.map((u) => `curl ${u}`).join('   or   ')}`);
  return {
    async removePods() {
      for (const name of names) await server.registry.delete('Pod', 'default', name).catch(() => {});
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}
