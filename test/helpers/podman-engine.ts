// A real container engine for tests: Debian's podman serving the Docker Engine API on a private
// unix socket, with Debian's docker-compose (v1) against it.
//
// Isolation: the test process re-runs itself inside new network, mount and PID namespaces
// (enterEngineNamespace). The bridges, iptables rules and aardvark-dns that podman and compose
// networks create then live in that network namespace (compose networks take 198.18.0.0/15
// subnets), /run and /var/lib/containers are private tmpfs mounts, podman's storage, run root,
// network configs and events log live under a temporary directory, so parallel runs and CI never
// meet; ports published on 127.0.0.1 are the namespace's loopback, where switchyard and the
// clients run too. catatonit is PID 1 of the namespace and reaps conmon's daemonised processes;
// when the test process ends, or the outer one is killed (`--kill-child`), the kernel kills
// every process left in the namespace. The outer process removes the directory afterwards.
//
// No systemd runs here, so podman's HEALTHCHECK timers do not either: tests run
// `podman healthcheck run` where Docker's daemon would run the check on its interval.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS_ENV = 'SWITCHYARD_ENGINE_DIR';
const TOOLS = ['podman', 'docker-compose', 'runc', 'unshare', 'catatonit', 'ip', 'iptables', 'conmon', 'netavark', 'aardvark-dns'];

function which(tool: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v ${tool} || test -x /usr/lib/podman/${tool}`], { stdio: 'ignore' }).status === 0;
}

/** What is missing for the real-engine tests (.ci/run installs all of it). */
export function missingEngineTools(): string[] {
  const missing = TOOLS.filter((t) => !which(t));
  // The test image is the busybox binary alone, so it must be the static one (ldd fails on it).
  if (!existsSync('/bin/busybox') || spawnSync('ldd', ['/bin/busybox'], { stdio: 'ignore' }).status === 0) missing.push('busybox-static');
  return missing;
}

/**
 * Outside the namespaces: re-runs this process (the same uvu command) inside them, relays its
 * exit code and never returns. Inside: returns the private directory. Returns undefined, without
 * re-running, when a tool is missing (the caller's tests then fail and say which).
 */
export async function enterEngineNamespace(): Promise<string | undefined> {
  const inside = process.env[NS_ENV];
  if (inside) return inside;
  if (missingEngineTools().length > 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-engine-'));
  // /var/lib/containers holds podman's blob cache whatever --root says.
  const setup = 'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /var/lib/containers'
    + ' && mount -t tmpfs -o mode=0700 tmpfs /var/lib/containers && ip link set lo up && exec catatonit -- "$@"';
  const child = spawn('unshare', ['--net', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private',
    '--', '/bin/sh', '-c', setup, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
  { stdio: 'inherit', env: { ...process.env, [NS_ENV]: dir } });
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => { console.error(`unshare: ${err.message}`); resolve(1); });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

export interface CommandResult { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string, timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface PodmanEngine {
  dir: string;
  socket: string;
  /** `unix://…`, for DOCKER_HOST. */
  dockerHost: string;
  /** The podman CLI on the same storage (works while the API service is stopped). */
  podman(args: string[]): Promise<CommandResult>;
  /** docker-compose against the socket, in `projectDir`. */
  compose(projectDir: string, project: string, args: string[]): Promise<CommandResult>;
  /** GET on the Engine API; parsed JSON. */
  api<T = unknown>(path: string): Promise<T>;
  /** Builds `tag` from a busybox-static rootfs whose /bin/serve runs httpd on port 80 (see below). */
  buildTestImage(tag: string): Promise<void>;
  stopService(): Promise<void>;
  startService(): Promise<void>;
  /** Removes every container and network, stops the service. */
  close(): Promise<void>;
}

// The test backend: busybox httpd serving a page that names this container (its hostname is the
// container's short id), and /ready while it takes traffic. On SIGTERM it shuts down gracefully,
// as a backend behind a load balancer should: /ready goes away (a readiness probe on it fails),
// it keeps serving for LAME_DUCK seconds so the balancer can stop sending, then it stops
// accepting and exits once requests in flight are done. /tmp/healthy is what the tests'
// HEALTHCHECK looks for.
const LAME_DUCK = 3;
const SERVE = `#!/bin/busybox sh
/bin/busybox hostname > /www/index.html
/bin/busybox touch /www/ready /tmp/healthy
/bin/busybox httpd -f -p 80 -h /www &
pid=$!
trap '/bin/busybox rm -f /www/ready; /bin/busybox sleep ${LAME_DUCK}; /bin/busybox kill $pid; /bin/busybox sleep 0.3; exit 0' TERM INT
wait $pid
`;

export async function startPodmanEngine(dir: string): Promise<PodmanEngine> {
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
# crun fails on this host's cgroups; runc works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "${dir}/tmp"

[network]
network_backend = "netavark"
network_config_dir = "${dir}/networks"
default_subnet = "198.18.0.0/24"
default_subnet_pools = [{"base" = "198.18.0.0/15", "size" = 24}]
`);
  const socket = join(dir, 'docker.sock');
  const dockerHost = `unix://${socket}`;
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: conf, DOCKER_HOST: dockerHost, COMPOSE_INTERACTIVE_NO_CLI: '1' };
  const global = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot')];
  let service: ChildProcess | undefined;
  let serviceLog = '';

  const api = async <T>(path: string): Promise<T> => {
    const r = await run('curl', ['-sS', '--fail', '--max-time', '10', '--unix-socket', socket, `http://d${path}`], env);
    if (r.code !== 0) throw new Error(`GET ${path}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  async function startService(): Promise<void> {
    rmSync(socket, { force: true });
    const child = spawn('podman', [...global, 'system', 'service', '--time=0', dockerHost], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    service = child;
    child.stdout!.on('data', (d) => (serviceLog += d));
    child.stderr!.on('data', (d) => (serviceLog += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode}:\n${serviceLog}`);
      if (existsSync(socket) && (await run('curl', ['-sS', '--max-time', '2', '--unix-socket', socket, 'http://d/_ping'], env)).stdout === 'OK') return;
      if (Date.now() > deadline) throw new Error(`podman system service did not answer on ${socket}:\n${serviceLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stopService(): Promise<void> {
    const child = service;
    service = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  const podman = (args: string[]) => run('podman', [...global, ...args], env);

  await startService();
  return {
    dir, socket, dockerHost, podman, api, startService, stopService,
    compose: (projectDir, project, args) => run('docker-compose', ['-p', project, ...args], env, projectDir),
    async buildTestImage(tag) {
      const rootfs = join(dir, 'rootfs');
      for (const d of ['bin', 'www', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
      copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
      writeFileSync(join(rootfs, 'bin', 'serve'), SERVE);
      chmodSync(join(rootfs, 'bin', 'serve'), 0o755);
      chmodSync(join(rootfs, 'tmp'), 0o1777);
      const tar = join(dir, 'rootfs.tar');
      const t = await run('tar', ['-C', rootfs, '-cf', tar, '.'], env);
      if (t.code !== 0) throw new Error(`tar: ${t.stderr}`);
      const r = await podman(['import', '--change', 'CMD ["/bin/serve"]', '--change', 'EXPOSE 80/tcp', tar, tag]);
      if (r.code !== 0) throw new Error(`podman import: ${r.stderr}`);
    },
    async close() {
      if (!service) await startService().catch(() => {});
      await podman(['rm', '--all', '--force', '--time', '1']);
      await podman(['network', 'prune', '--force']);
      await stopService();
    },
  };
}

/** A fresh directory under the engine's private directory. */
export function engineSubdir(engine: PodmanEngine, name: string): string {
  return mkdtempSync(join(engine.dir, `${name}-`));
}
