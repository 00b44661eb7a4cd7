// The Docker Engine API over its unix socket (or plain tcp://), with undici: the running
// containers, one container's inspect, and the /events stream. Unversioned paths, so the engine
// answers in its own current API version (Docker 29 refuses versions below 1.44; podman's
// compatible service takes either). Main thread.
import { Pool } from 'undici';
import { SyError } from '../model/sy-error.ts';
import type { ContainerInspect, ContainerSummary, EngineEvent } from './docker-engine-types.ts';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  /** What the user gave (for messages). */
  host: string;
  origin: string;
  socketPath?: string;
}

/** DOCKER_HOST as the docker CLI reads it: unix:///path or tcp://host:port (no TLS). */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  const host = value || DEFAULT_DOCKER_HOST;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (socketPath.startsWith('/')) return { host, origin: 'http://docker', socketPath };
  } else if (/^(tcp|http):\/\/[^/]+$/.test(host.replace(/\/$/, ''))) {
    return { host, origin: host.replace(/^tcp:/, 'http:').replace(/\/$/, '') };
  }
  throw new SyError('SY_DOCKER_HOST', `DOCKER_HOST ${host}: switchyard reaches the Docker Engine at unix:///path/to/docker.sock or tcp://host:port (without TLS); mount the socket and point DOCKER_HOST at it`);
}

export class DockerApiError extends SyError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('SY_DOCKER_API', message);
    this.status = status;
  }
}

export interface EventSubscription {
  /** Settles when the stream ends: resolves if closed through the signal, rejects otherwise. */
  ended: Promise<void>;
}

export interface DockerEngineClient {
  readonly endpoint: DockerEndpoint;
  listRunning(): Promise<ContainerSummary[]>;
  /** undefined when the container is gone (404). */
  inspect(id: string): Promise<ContainerInspect | undefined>;
  /** Resolves once the engine accepted the subscription; `onEvent` gets each container and network event. */
  events(onEvent: (e: EngineEvent) => void, signal: AbortSignal): Promise<EventSubscription>;
  close(): Promise<void>;
}

const EVENT_FILTERS = encodeURIComponent(JSON.stringify({ type: ['container', 'network'] }));
const REQUEST_TIMEOUT_MS = 10_000;

export function createDockerEngineClient(endpoint: DockerEndpoint): DockerEngineClient {
  // One connection carries the event stream for as long as it lasts; the others serve inspects.
  const pool = new Pool(endpoint.origin, {
    socketPath: endpoint.socketPath, connections: 4, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS,
  });

  async function getJson<T>(path: string, allow404 = false): Promise<T | undefined> {
    const res = await pool.request({ method: 'GET', path });
    const text = await res.body.text();
    if (allow404 && res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw new DockerApiError(res.statusCode, `GET ${path} on ${endpoint.host}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  return {
    endpoint,
    async listRunning() {
      return (await getJson<ContainerSummary[]>('/containers/json')) ?? [];
    },
    inspect(id) {
      return getJson<ContainerInspect>(`/containers/${encodeURIComponent(id)}/json`, true);
    },
    async events(onEvent, signal) {
      const res = await pool.request({ method: 'GET', path: `/events?filters=${EVENT_FILTERS}`, signal, bodyTimeout: 0 });
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        throw new DockerApiError(res.statusCode, `GET /events on ${endpoint.host}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
      }
      const ended = (async () => {
        let rest = '';
        try {
          for await (const chunk of res.body) {
            rest += chunk;
            let nl: number;
            while ((nl = rest.indexOf('\n')) >= 0) {
              const line = rest.slice(0, nl).trim();
              rest = rest.slice(nl + 1);
              if (line) onEvent(JSON.parse(line) as EngineEvent);
            }
          }
        } catch (err) {
          if (signal.aborted) return;
          throw err;
        }
        if (!signal.aborted) throw new DockerApiError(0, `the event stream of ${endpoint.host} ended`);
      })();
      return { ended };
    },
    close: () => pool.destroy(),
  };
}
