// What `serve --store etcd://…` and the --etcd-* flags say, turned into the etcd3 client's options:
// endpoints, TLS (a CA, a client certificate) and user/password authentication, as etcdctl takes
// them (--endpoints, --cacert, --cert, --key, --user). Main thread, at start-up.
import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { isRecoverableError, type IOptions } from 'etcd3';
import { StoreError } from './store-error.ts';

export interface EtcdConnection {
  /** host:port of each member. */
  endpoints: string[];
  /** The key prefix every switchyard key lives under (several deployments can share one etcd). */
  prefix: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  auth?: { username: string; password: string };
}

export const DEFAULT_ETCD_PREFIX = '/switchyard/';

/**
 * Parses `etcd://HOST:PORT[,HOST:PORT…][/PREFIX]` (`etcds://` for TLS). Throws SY_STORE_URL with
 * the form expected.
 */
export function parseEtcdUrl(url: string): EtcdConnection {
  const m = /^(etcds?):\/\/([^/]+)(\/.*)?$/.exec(url);
  const bad = (why: string) => new StoreError('SY_STORE_URL', url,
    `store "${url}": ${why}; expected etcd://HOST:PORT[,HOST:PORT...][/PREFIX] (etcds:// for TLS)`);
  if (!m) throw bad('not an etcd URL');
  const endpoints = m[2].split(',').map((h) => h.trim());
  for (const h of endpoints) {
    const hp = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(h);
    if (!hp || Number(hp[2]) < 1 || Number(hp[2]) > 65535) throw bad(`"${h}" is not HOST:PORT`);
  }
  let prefix = m[3] && m[3] !== '/' ? m[3] : DEFAULT_ETCD_PREFIX;
  if (!prefix.endsWith('/')) prefix += '/';
  return { endpoints, prefix, tls: m[1] === 'etcds' ? {} : undefined };
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new StoreError('SY_STORE_URL', file, `cannot read the etcd ${what} ${file} (${(err as Error).message})`, { cause: err });
  }
}

/** After three failed calls in a row to a member, calls to it are refused at once until this much
 *  time has passed, then one is let through. The client's default, 5 s, held a member that had come
 *  back shut out for 5 s more after each failed try: a new leader's campaign and its first writes
 *  after a quorum loss waited on it. Members here are a round trip away, so one second is plenty to
 *  keep from hammering one that is down. */
const MEMBER_RETRY_MS = 1000;

/** The etcd3 client options for `c` (reads the TLS files). */
export function etcdClientOptions(c: EtcdConnection): IOptions {
  const tls = c.tls;
  const scheme = tls ? 'https' : 'http';
  const options: IOptions = {
    hosts: c.endpoints.map((h) => `${scheme}://${h}`),
    dialTimeout: 3000,
    // Start-up lists every switchyard key in one range; gRPC's 4 MiB default is too small for big sets.
    grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: MEMBER_RETRY_MS, breaker: new ConsecutiveBreaker(3) }),
    },
  };
  if (tls) {
    if (tls.caFile) {
      options.credentials = {
        rootCertificate: readPem(tls.caFile, 'CA certificate'),
        ...(tls.certFile ? { certChain: readPem(tls.certFile, 'client certificate') } : {}),
        ...(tls.keyFile ? { privateKey: readPem(tls.keyFile, 'client key') } : {}),
      };
    }
  }
  if (c.auth) options.auth = { username: c.auth.username, password: c.auth.password };
  return options;
}
