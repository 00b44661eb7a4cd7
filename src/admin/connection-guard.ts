// Keeps the admin API answerable under a connection flood. Main thread.
//
// Node's `server.maxConnections` refuses every new connection once the limit is reached, before
// any byte is read: 2,000 idle connections, or 130 slowloris ones, made /healthz fail for everyone.
// Here a new connection is always taken; when it puts its client over the per-client limit, or the
// server over its total, the connection that has waited longest without a request in progress is
// closed to make room — taken from that client first, else from the client holding the most
// connections. Connections doing a request (a watch, an apply) are never closed for this. So a
// flooder's connections make room for each other, and a health check, which sends its request the
// moment it connects, gets through. Loopback clients all look alike (127.0.0.1), so there the
// per-client limit is the total; it is what keeps one remote client from pushing others out.
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  maxConnections: number;
  maxPerClient: number;
  log: (line: string) => void;
  clock?: () => number;
}

interface Tracked {
  client: string;
  /** Requests in progress (HTTP/1.1 runs one at a time; the counter tolerates pipelining). */
  busy: number;
  /** When it connected or last finished a request: the longest-waiting idle one goes first. */
  idleSince: number;
}

export interface ConnectionGuard {
  readonly open: number;
  /** Connections closed to make room since start. */
  readonly evicted: number;
}

const LOG_EVERY_MS = 10_000;

export function guardConnections(server: Server, o: ConnectionGuardOptions): ConnectionGuard {
  const clock = o.clock ?? Date.now;
  const tracked = new Map<Socket, Tracked>();
  const byClient = new Map<string, Set<Socket>>();
  let evicted = 0;
  let unlogged = 0;
  let loggedAt = -Infinity;

  function oldestIdle(sockets: Iterable<Socket>, except: Socket): Socket | undefined {
    let best: Socket | undefined;
    let bestAt = Infinity;
    for (const s of sockets) {
      const t = tracked.get(s)!;
      if (s === except || t.busy > 0 || t.idleSince >= bestAt) continue;
      best = s;
      bestAt = t.idleSince;
    }
    return best;
  }

  function evict(victim: Socket, why: string): void {
    evicted++;
    unlogged++;
    victim.destroy();
    const now = clock();
    if (now - loggedAt >= LOG_EVERY_MS) {
      o.log(`admin: closed ${unlogged} idle connection(s) to make room (${why}); ${tracked.size} open`);
      loggedAt = now;
      unlogged = 0;
    }
  }

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '?';
    const t: Tracked = { client, busy: 0, idleSince: clock() };
    tracked.set(socket, t);
    let mine = byClient.get(client);
    if (!mine) byClient.set(client, mine = new Set());
    mine.add(socket);
    socket.once('close', () => {
      tracked.delete(socket);
      mine!.delete(socket);
      if (mine!.size === 0 && byClient.get(client) === mine) byClient.delete(client);
    });
    if (mine.size > o.maxPerClient) {
      const v = oldestIdle(mine, socket);
      if (v) evict(v, `client ${client} over ${o.maxPerClient} connections`);
      else { socket.destroy(); return; }
    }
    if (tracked.size > o.maxConnections) {
      let heaviest: Set<Socket> | undefined;
      for (const set of byClient.values()) if (!heaviest || set.size > heaviest.size) heaviest = set;
      const v = (heaviest && oldestIdle(heaviest, socket)) ?? oldestIdle(tracked.keys(), socket);
      if (v) evict(v, `over ${o.maxConnections} connections`);
      else socket.destroy();
    }
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = tracked.get(req.socket);
    if (!t) return;
    t.busy++;
    res.once('close', () => {
      t.busy = Math.max(0, t.busy - 1);
      t.idleSince = clock();
    });
  });

  return {
    get open() { return tracked.size; },
    get evicted() { return evicted; },
  };
}
