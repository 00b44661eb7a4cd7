// The transfer accept mode, on the main thread: it owns the listening sockets, applies source
// ranges, and hands each accepted socket to a worker, round-robin, in a postMessage transfer list.
// While every worker is being replaced after a crash, accepted sockets wait for one (the accept
// queue belongs to this thread, so it survives any worker), bounded in number and in time, then are
// reset, so that a client is never left hanging on a pool that does not come back.
import type { Server, Socket } from 'node:net';
import type { Transferable } from 'node:worker_threads';
import type { ListenerSpec, MainToWorker } from '../shared/messages.ts';
import { BindError, bindMain } from './bind-main.ts';
import { resetSocket } from './reset-socket.ts';
import { listenerContext } from './listener-context.ts';

export interface TransferTarget { id: number; post(m: MainToWorker, transfer: Transferable[]): void }

export interface TransferAcceptorOptions {
  /** The live worker to take the next socket (round-robin); null while none is alive. */
  nextWorker(): TransferTarget | null;
  /** True once the pool drains or closes: sockets are reset instead of held, binds refused. */
  stopping(): boolean;
  countSourceRangeRefusal(servicePortIndex: number): void;
  log(level: 'warn' | 'error', message: string): void;
}

export interface TransferAcceptor {
  /** Binds and starts handing `spec`'s connections over; the caller closes the server. */
  listen(spec: ListenerSpec): Promise<Server>;
  /** A worker became ready: the sockets held for one go to the live workers. */
  flush(): void;
  /** Resets every held socket (drain). */
  reset(): void;
}

interface Handoff { socket: Socket; listenerId: string; servicePortIndex: number }
const MAX_HELD = 1024;
const HOLD_MS = 5000;

export function createTransferAcceptor(o: TransferAcceptorOptions): TransferAcceptor {
  let held: Handoff[] = [];
  // One timer for the whole queue, from the first socket held: a pool that has had no live worker
  // for HOLD_MS is not about to get one.
  let timer: NodeJS.Timeout | null = null;
  const take = (): Handoff[] => {
    if (timer) { clearTimeout(timer); timer = null; }
    const out = held.filter((h) => !h.socket.destroyed);
    held = [];
    return out;
  };
  const reset = () => { for (const h of take()) resetSocket(h.socket); };

  function handOff(h: Handoff): void {
    const w = o.nextWorker();
    if (!w) {
      if (o.stopping() || held.length >= MAX_HELD) { resetSocket(h.socket); return; }
      held.push(h);
      timer ??= setTimeout(reset, HOLD_MS);
      return;
    }
    try {
      w.post({ type: 'connection', listenerId: h.listenerId, servicePortIndex: h.servicePortIndex, socket: h.socket }, [h.socket]);
    } catch (err) {
      o.log('warn', `cannot hand a connection to worker ${w.id}: ${(err as Error).message}`);
      resetSocket(h.socket);
    }
  }

  return {
    async listen(spec) {
      const server = await bindMain(spec, false);
      // A listen still binding when the drain began must not leave a listener behind it.
      if (o.stopping()) { server.close(); throw new BindError('SY_DRAINING', 'the data plane is shutting down'); }
      const allow = listenerContext(spec).allowSource;
      server.on('connection', (socket: Socket) => {
        const ip = allow ? socket.remoteAddress : '';
        if (ip === undefined || (allow && !allow(ip))) {
          socket.destroy();
          o.countSourceRangeRefusal(spec.servicePortIndex);
          return;
        }
        handOff({ socket, listenerId: spec.id, servicePortIndex: spec.servicePortIndex });
      });
      server.on('error', (err) => o.log('error', `listener ${spec.id}: ${err.message}`));
      return server;
    },
    flush() { for (const h of take()) handOff(h); },
    reset,
  };
}
