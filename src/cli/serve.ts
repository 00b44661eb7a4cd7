// `switchyard serve`: run the control plane, the data plane and the admin API until SIGTERM.
// Main thread. SIGHUP re-reads the -f paths; SIGTERM/SIGINT stop accepting, drain, exit 0.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_UDP_FLOWS } from '../server/descriptor-budget.ts';
import { startServer } from '../server/server.ts';
import { SERVER_DEFAULTS, type ServerOptions } from '../server/server-options.ts';
import { defaultStateDir } from '../store/default-state-dir.ts';
import { parseEtcdUrl } from '../store/etcd-connection.ts';
import type { SyErrorCode } from '../model/error-codes.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { SyError } from '../model/sy-error.ts';
import { isDNS1123Label } from '../config/name-formats.ts';
import { startDemoBackends } from './demo-backends.ts';
import { readTokenFile } from './token-file.ts';

/** The flags' help, with the defaults the server actually uses. */
function usage(): string {
  const d = SERVER_DEFAULTS;
  return `Usage: switchyard serve [-f PATH]... [flags]

  -f, --filename PATH        manifests to apply at start and on SIGHUP (files, directories, -)
      --admin ADDR           admin API address (default ${joinHostPort(d.admin.host, d.admin.port)})
      --token-file FILE      require this bearer token on the admin API
      --state-dir DIR        where applied objects are kept (default ${defaultStateDir()})
      --store sqlite|etcd://HOST:PORT[,HOST:PORT…][/PREFIX]
                             the store: the embedded SQLite file in --state-dir (default), or an etcd
                             cluster several switchyard instances share (etcds:// for TLS)
      --etcd-cacert FILE     CA certificate of the etcd members (implies TLS)
      --etcd-cert FILE       client certificate for etcd, with --etcd-key FILE
      --etcd-user USER[:PASSWORD]  etcd user (the password may come from $ETCD_PASSWORD)
      --leader-elect true|false    with etcd: one instance runs the endpoint controller and the health
                             loop, elected with an etcd lease (default true)
      --leader-elect-lease-duration S  the lease's TTL: how soon another instance takes over (default 5)
      --service-cidr CIDR    ClusterIP range (default ${d.serviceCidr})
      --node-port-range R    NodePort range (default ${d.nodePortRange})
      --node-address ADDR    address NodePorts listen on, repeatable (default ${d.nodeAddresses.join(', ')})
      --lb-pool CIDR         addresses for LoadBalancer Services (default ${d.lbPool})
      --workers N            data-plane worker threads (default: one per core, ${d.workers} here)
      --accept MODE          reuseport (each worker listens, SO_REUSEPORT) | transfer (main thread accepts, hands sockets over) (default ${d.accept})
      --lb-algorithm NAME    default balancing algorithm (default ${d.algorithm})
      --connect-timeout MS   per attempt (default ${d.connectTimeoutMs})
      --connect-attempts N   endpoints tried per connection, first included (default ${d.connectAttempts})
      --idle-timeout MS      close connections idle this long (default ${d.idleTimeoutMs})
      --max-connections N    global limit on proxied connections (default: none beyond the open-file
                             limit, whose descriptors connections share with listeners and UDP flows)
      --max-listeners N      listeners (address, port, protocol) all Services may have together; an
                             apply needing more is refused (default: half of the open-file limit,
                             one descriptor per worker per listener where workers bind it)
      --max-udp-flows N      global limit on live UDP flows, each one socket to its endpoint (default
                             ${DEFAULT_MAX_UDP_FLOWS}, fewer when the open-file limit leaves fewer)
      --udp-sockets MODE     per-worker (every worker binds each UDP listener, SO_REUSEPORT) | single (one worker per listener) (default ${d.udpSockets})
      --udp-recv-buffer BYTES  receive buffer of UDP listeners, capped by net.core.rmem_max (default ${d.udpRecvBufferBytes})
      --drain-timeout MS     how long removed endpoints and SIGTERM let connections finish (default ${d.drainTimeoutMs})
      --access-log FILE|-    one JSON line per closed connection
      --default-probe-period S   period of the implicit TCP probe for endpoints without a readinessProbe (default ${d.defaultProbe.periodSeconds})
      --no-default-probe     no implicit probe (endpoints without a readinessProbe are trusted)
      --random-seed N        seed the random balancers (worker i uses N+i), for reproducible tests
      --eject-after N        passive ejection after N consecutive connect failures (default ${d.ejectAfterFailures}, 0 = off)
      --demo / --no-demo     start demo backends behind the example Service (default: on for the bundled config/)
      --discover docker      running Docker containers become Pods, followed live (Engine API at $DOCKER_HOST,
                             default unix:///var/run/docker.sock; podman's Docker-compatible service works too)
      --docker-namespace NS  namespace of the container Pods (default default)
      --docker-address MODE  network (default: the container's IP, for switchyard inside the compose network) |
                             published (the host address and port each container port is published on)
      --docker-network NAME  network mode: the network whose IP is used (default: the container's first)
      --cluster-domain D     the DNS zone Services are named in (default ${d.dns.clusterDomain})
      --dns ADDR|off         where the built-in DNS responder (kube-system/kube-dns) answers: IP, IP:PORT, :PORT
                             (default .10 of the service CIDR, port 53), or off
      --dns-ttl S            TTL of DNS answers in seconds (default ${d.dns.ttl})
      --dns-forward[=ADDR,…] resolve names outside the zone through /etc/resolv.conf's servers (or the given
                             IP[:PORT]s) instead of answering REFUSED, so clients can use switchyard as their only resolver
`;
}

/** The flag behind an option startServer refuses, to name in the error. */
const FLAG_OF_CODE: Partial<Record<SyErrorCode, string>> = {
  SY_SERVICE_CIDR: '--service-cidr', SY_NODE_PORT_RANGE: '--node-port-range', SY_LB_POOL: '--lb-pool',
};

function fail(message: string): never {
  throw new SyError('SY_BAD_FLAG', message);
}

function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} ${value}: expected an integer >= ${min}`);
  return Number(value);
}

function hostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
  if (!m || Number(m[2]) > 65535) fail(`--admin ${value}: expected HOST:PORT, e.g. 127.0.0.1:10249`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

interface DockerFlags { discover?: string[]; 'docker-namespace'?: string; 'docker-address'?: string; 'docker-network'?: string }

function dockerOptions(v: DockerFlags): ServerOptions['docker'] {
  const sources = v.discover ?? [];
  for (const s of sources) if (s !== 'docker') fail(`--discover ${s}: the only discovery source is docker`);
  const given = (['docker-namespace', 'docker-address', 'docker-network'] as const).filter((f) => v[f] !== undefined);
  if (sources.length === 0) {
    if (given.length) fail(`--${given[0]} needs --discover docker`);
    return undefined;
  }
  const addressMode = v['docker-address'] ?? 'network';
  if (addressMode !== 'network' && addressMode !== 'published') fail(`--docker-address ${addressMode}: expected network or published`);
  const namespace = v['docker-namespace'] ?? 'default';
  const bad = isDNS1123Label(namespace);
  if (bad.length) fail(`--docker-namespace ${namespace}: ${bad.join('; ')}`);
  return { host: process.env.DOCKER_HOST, namespace, addressMode, network: v['docker-network'] };
}

interface StoreFlags { store?: string; 'etcd-cacert'?: string; 'etcd-cert'?: string; 'etcd-key'?: string; 'etcd-user'?: string }

function storeOption(v: StoreFlags): ServerOptions['store'] {
  const etcdFlags = (['etcd-cacert', 'etcd-cert', 'etcd-key', 'etcd-user'] as const).filter((f) => v[f] !== undefined);
  if (v.store === undefined || v.store === 'sqlite') {
    if (etcdFlags.length) fail(`--${etcdFlags[0]} needs --store etcd://HOST:PORT`);
    return undefined;
  }
  if (!/^etcds?:\/\//.test(v.store)) fail(`--store ${v.store}: expected sqlite or etcd://HOST:PORT[,HOST:PORT...][/PREFIX]`);
  let connection;
  try {
    connection = parseEtcdUrl(v.store);
  } catch (err) {
    fail(`--store: ${(err as Error).message}`);
  }
  if (v['etcd-cacert'] || v['etcd-cert'] || v['etcd-key']) {
    if (!v['etcd-cacert']) fail('--etcd-cert and --etcd-key need --etcd-cacert (the CA the members\' certificates are signed by)');
    if (!v['etcd-cert'] !== !v['etcd-key']) fail('--etcd-cert and --etcd-key go together');
    connection.tls = { caFile: v['etcd-cacert'], certFile: v['etcd-cert'], keyFile: v['etcd-key'] };
  }
  if (v['etcd-user']) {
    const colon = v['etcd-user'].indexOf(':');
    const username = colon < 0 ? v['etcd-user'] : v['etcd-user'].slice(0, colon);
    const password = colon < 0 ? process.env.ETCD_PASSWORD : v['etcd-user'].slice(colon + 1);
    if (!username || password === undefined) fail('--etcd-user: expected USER:PASSWORD, or USER with $ETCD_PASSWORD set');
    connection.auth = { username, password };
  }
  return { kind: 'etcd', connection };
}

const SYSTEM_RESOLVERS = 'resolv.conf';

/** `--dns-forward` may stand alone (the system's resolvers): give parseArgs the value it needs. */
function bareDnsForward(argv: string[]): string[] {
  return argv.flatMap((a, i) => (a === '--dns-forward' && (i + 1 >= argv.length || argv[i + 1].startsWith('-')) ? [`--dns-forward=${SYSTEM_RESOLVERS}`] : [a]));
}

/** CoreDNS's bounds for its kubernetes plugin's TTL. */
function dnsTtl(seconds: number): number {
  if (seconds > 3600) fail(`--dns-ttl ${seconds}: expected 0 to 3600 seconds`);
  return seconds;
}

function clusterDomain(value: string): string {
  const d = value.replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(d) || d.length > 200) {
    fail(`--cluster-domain ${value}: expected a DNS name such as cluster.local`);
  }
  return d;
}

export async function serve(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: bareDnsForward(argv), allowPositionals: false, options: {
        filename: { type: 'string', short: 'f', multiple: true }, admin: { type: 'string' }, 'token-file': { type: 'string' },
        'state-dir': { type: 'string' }, 'service-cidr': { type: 'string' }, 'node-port-range': { type: 'string' },
        'node-address': { type: 'string', multiple: true }, 'lb-pool': { type: 'string' }, workers: { type: 'string' },
        accept: { type: 'string' }, 'lb-algorithm': { type: 'string' }, 'connect-timeout': { type: 'string' },
        'connect-attempts': { type: 'string' }, 'idle-timeout': { type: 'string' }, 'max-connections': { type: 'string' },
        'drain-timeout': { type: 'string' }, 'max-listeners': { type: 'string' }, 'access-log': { type: 'string' }, demo: { type: 'boolean' },
        'max-udp-flows': { type: 'string' }, 'udp-sockets': { type: 'string' }, 'udp-recv-buffer': { type: 'string' },
        'no-demo': { type: 'boolean' }, 'default-probe-period': { type: 'string' }, 'no-default-probe': { type: 'boolean' },
        'eject-after': { type: 'string' }, 'random-seed': { type: 'string' }, help: { type: 'boolean', short: 'h' },
        discover: { type: 'string', multiple: true }, 'docker-namespace': { type: 'string' },
        'docker-address': { type: 'string' }, 'docker-network': { type: 'string' },
        'cluster-domain': { type: 'string' }, dns: { type: 'string' }, 'dns-ttl': { type: 'string' }, 'dns-forward': { type: 'string' },
        store: { type: 'string' }, 'etcd-cacert': { type: 'string' }, 'etcd-cert': { type: 'string' }, 'etcd-key': { type: 'string' },
        'etcd-user': { type: 'string' }, 'leader-elect': { type: 'string' }, 'leader-elect-lease-duration': { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${usage()}`);
    return 1;
  }
  const v = parsed.values;
  if (v.help) { console.log(usage()); return 0; }
  const log: ServerOptions['log'] = (level, message) => {
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    (level === 'info' ? console.log : console.error)(line);
  };
  let options: ServerOptions;
  try {
    const accept = v.accept ?? SERVER_DEFAULTS.accept;
    if (accept !== 'transfer' && accept !== 'reuseport') fail(`--accept ${accept}: expected transfer or reuseport`);
    const udpSockets = v['udp-sockets'] ?? SERVER_DEFAULTS.udpSockets;
    if (udpSockets !== 'per-worker' && udpSockets !== 'single') fail(`--udp-sockets ${udpSockets}: expected per-worker or single`);
    const token = v['token-file'] ? readTokenFile(v['token-file']) : undefined;
    const docker = dockerOptions(v);
    options = {
      ...SERVER_DEFAULTS,
      docker,
      store: storeOption(v),
      leaderElect: v['leader-elect'] === undefined ? true : v['leader-elect'] === 'true' ? true
        : v['leader-elect'] === 'false' ? false : fail(`--leader-elect ${v['leader-elect']}: expected true or false`),
      leaseSeconds: intFlag('leader-elect-lease-duration', v['leader-elect-lease-duration'], 5, 2),
      stateDir: v['state-dir'] ?? defaultStateDir(),
      files: v.filename ?? [],
      admin: { ...(v.admin ? hostPort(v.admin) : SERVER_DEFAULTS.admin), token },
      serviceCidr: v['service-cidr'] ?? SERVER_DEFAULTS.serviceCidr,
      nodePortRange: v['node-port-range'] ?? SERVER_DEFAULTS.nodePortRange,
      nodeAddresses: v['node-address'] ?? SERVER_DEFAULTS.nodeAddresses,
      lbPool: v['lb-pool'] ?? SERVER_DEFAULTS.lbPool,
      workers: intFlag('workers', v.workers, SERVER_DEFAULTS.workers, 1),
      accept,
      algorithm: v['lb-algorithm'] ?? SERVER_DEFAULTS.algorithm,
      connectTimeoutMs: intFlag('connect-timeout', v['connect-timeout'], SERVER_DEFAULTS.connectTimeoutMs, 1),
      connectAttempts: intFlag('connect-attempts', v['connect-attempts'], SERVER_DEFAULTS.connectAttempts, 1),
      idleTimeoutMs: intFlag('idle-timeout', v['idle-timeout'], SERVER_DEFAULTS.idleTimeoutMs, 0),
      maxConnections: intFlag('max-connections', v['max-connections'], SERVER_DEFAULTS.maxConnections, 0),
      maxListeners: intFlag('max-listeners', v['max-listeners'], SERVER_DEFAULTS.maxListeners, 0),
      maxUdpFlows: intFlag('max-udp-flows', v['max-udp-flows'], SERVER_DEFAULTS.maxUdpFlows, 0),
      udpSockets,
      udpRecvBufferBytes: intFlag('udp-recv-buffer', v['udp-recv-buffer'], SERVER_DEFAULTS.udpRecvBufferBytes, 0),
      drainTimeoutMs: intFlag('drain-timeout', v['drain-timeout'], SERVER_DEFAULTS.drainTimeoutMs, 0),
      accessLog: v['access-log'],
      defaultProbe: {
        ...SERVER_DEFAULTS.defaultProbe,
        enabled: !v['no-default-probe'],
        periodSeconds: intFlag('default-probe-period', v['default-probe-period'], SERVER_DEFAULTS.defaultProbe.periodSeconds, 1),
      },
      randomSeed: v['random-seed'] === undefined ? undefined : intFlag('random-seed', v['random-seed'], 0, 0),
      ejectAfterFailures: intFlag('eject-after', v['eject-after'], SERVER_DEFAULTS.ejectAfterFailures, 0),
      dns: {
        address: v.dns,
        clusterDomain: clusterDomain(v['cluster-domain'] ?? SERVER_DEFAULTS.dns.clusterDomain),
        ttl: dnsTtl(intFlag('dns-ttl', v['dns-ttl'], SERVER_DEFAULTS.dns.ttl, 0)),
        forward: v['dns-forward'] === undefined ? undefined : v['dns-forward'] === SYSTEM_RESOLVERS ? 'system'
          : v['dns-forward'].split(',').map((s) => s.trim()).filter(Boolean),
      },
      log,
    };
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }

  const bundled = resolve(new URL('../../config', import.meta.url).pathname);
  const demo = v['no-demo'] ? false : v.demo ?? options.files.some((f) => resolve(f) === bundled);

  let server;
  try {
    server = await startServer(options);
  } catch (err) {
    const e = err as Partial<SyError> & Error;
    const flag = e.code && FLAG_OF_CODE[e.code as SyErrorCode];
    console.error(`error: ${e.code && !e.message.includes(e.code) ? `${e.code}: ` : ''}${e.message}${flag ? ` (fix ${flag})` : ''}`);
    return 1;
  }
  log('info', `switchyard is serving; admin API at ${server.adminUrl} (try: npx switchyard get svc)`);
  const demoBackends = demo ? await startDemoBackends(server, log).catch((err) => {
    log('warn', `demo backends not started: ${(err as Error).message}`);
    return undefined;
  }) : undefined;

  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log('info', `${signal}: no longer accepting; draining connections (at most ${options.drainTimeoutMs} ms)`);
      (async () => {
        await demoBackends?.removePods();
        await server.stop();
        await demoBackends?.stop();
      })().then(() => {
        log('info', 'stopped');
        // Exit even if a worker thread that failed to drain still holds the event loop.
        setTimeout(() => process.exit(0), 1000).unref();
        resolveExit(0);
      },
        (err) => { log('error', `stop failed: ${(err as Error).stack}`); resolveExit(1); });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      log('info', `SIGHUP: re-reading ${options.files.join(', ') || '(no -f paths)'}`);
      server.reload().catch((err) => log('error', `reload failed: ${(err as Error).message}`));
    });
  });
}
