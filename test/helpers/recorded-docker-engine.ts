// An Engine API on a unix socket that answers with JSON recorded from a real engine
// (test/fixtures/docker-engine), for the faults a real engine will not produce on cue: a reply
// that arrives after a later event, an event stream cut mid-way, a socket that refuses
// connections for a while, a health status stored after its event (as podman does).
// GET /containers/json, GET /containers/{id}/json and GET /events only.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ContainerInspect, EngineEvent } from '../../src/discovery/docker-engine-types.ts';

export function recordedInspect(name: string): ContainerInspect {
  return JSON.parse(readFileSync(new URL(`../fixtures/docker-engine/inspect/${name}.json`, import.meta.url), 'utf8'));
}

export interface RecordedEngine {
  socket: string;
  /** Running containers by id; the test changes it as the engine would. */
  running: Map<string, ContainerInspect>;
  /** Requests answered, e.g. `GET /containers/json`. */
  requests: string[];
  /** Sends an event to every open /events stream. */
  emit(e: EngineEvent): void;
  /** Holds the inspect replies for `id` until the returned function is called. */
  holdInspect(id: string): () => void;
  /** Open /events streams. */
  streams(): number;
  /** Stops listening and cuts every connection (the engine went away). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startRecordedEngine(dir: string): Promise<RecordedEngine> {
  const socket = join(dir, 'engine.sock');
  const running = new Map<string, ContainerInspect>();
  const requests: string[] = [];
  const streams = new Set<ServerResponse>();
  const holds = new Map<string, Promise<void>>();
  let server: Server | undefined;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function up(): Promise<void> {
    const s = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://engine');
      requests.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/containers/json') {
        json(res, 200, [...running.values()].map((c) => ({ Id: c.Id, Names: [c.Name], State: 'running' })));
      } else if (url.pathname === '/events') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        streams.add(res);
        res.on('close', () => streams.delete(res));
      } else {
        const m = /^\/containers\/([^/]+)\/json$/.exec(url.pathname);
        if (!m) { json(res, 404, { message: 'not served here' }); return; }
        const id = decodeURIComponent(m[1]);
        void (holds.get(id) ?? Promise.resolve()).then(() => {
          const c = running.get(id) ?? [...running.values()].find((x) => x.Name === `/${id}`);
          if (c) json(res, 200, c); else json(res, 404, { message: `no such container: ${id}` });
        });
      }
    });
    await new Promise<void>((resolve) => s.listen(socket, resolve));
    server = s;
  }

  async function down(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const r of streams) r.destroy();
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await up();
  return {
    socket, running, requests, up, down,
    emit(e) { for (const r of streams) r.write(JSON.stringify(e) + '\n'); },
    holdInspect(id) {
      let release!: () => void;
      holds.set(id, new Promise<void>((r) => { release = r; }));
      return () => { holds.delete(id); release(); };
    },
    streams: () => streams.size,
    close: down,
  };
}
