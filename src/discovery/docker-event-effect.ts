// What one Docker Engine event means for the container's Pod. Pure; main thread.
//
// Docker stops a container with `kill` (the stop signal), then `die`, then `stop`; podman sends
// `stop` before `die`. Either first sign of a stop takes the Pod out at once, before the process
// closes its listener, so no new connection is sent to a backend on its way out.
import { constants } from 'node:os';
import type { EngineEvent } from './docker-engine-types.ts';

export type EventEffect =
  /** Inspect the container again (health, pause, networks, labels may have changed). */
  | 'refresh'
  /** Running again: forget a stop in progress, then inspect. */
  | 'started'
  /** A stop is under way: out of the endpoints now, even while it still runs. */
  | 'stopping'
  /** Not running any more. */
  | 'gone';

const TERMINATING = new Set([constants.signals.SIGINT, constants.signals.SIGQUIT, constants.signals.SIGKILL, constants.signals.SIGTERM]);

/** `15`, `SIGTERM` and `TERM` alike as a signal number (engines write either form). */
function signalNumber(s: string | undefined): number | undefined {
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  const name = s.toUpperCase();
  return (constants.signals as Record<string, number>)[name.startsWith('SIG') ? name : `SIG${name}`];
}

export interface ContainerChange {
  id: string;
  effect: EventEffect;
  /**
   * A health event's status, when the event carries it (Docker: `health_status: healthy`); it is
   * newer than what an inspect right after may read. Absent on a health event (podman 4), the
   * status must be read back, and podman announces the result before it stores it.
   */
  health?: string;
  /** A health event without its status. */
  healthUnknown?: boolean;
}

/** The container an event is about and what it means; undefined for events that change nothing. */
export function eventEffect(e: EngineEvent, stopSignalOf: (id: string) => string | undefined): ContainerChange | undefined {
  const attributes = e.Actor?.Attributes ?? {};
  if (e.Type === 'network') {
    const id = attributes.container;
    return id && (e.Action === 'connect' || e.Action === 'disconnect') ? { id, effect: 'refresh' } : undefined;
  }
  const id = e.Actor?.ID;
  if (e.Type !== 'container' || !id) return undefined;
  const action = e.Action ?? '';
  if (action.startsWith('health_status')) {
    const health = (action.includes(':') ? action.slice(action.indexOf(':') + 1).trim() : attributes.health_status) || undefined;
    return health ? { id, effect: 'refresh', health } : { id, effect: 'refresh', healthUnknown: true };
  }
  switch (action) {
    case 'start': case 'restart': case 'unpause':
      return { id, effect: 'started' };
    case 'pause': case 'rename': case 'update':
      return { id, effect: 'refresh' };
    case 'stop':
      return { id, effect: 'stopping' };
    case 'kill': {
      const signal = signalNumber(attributes.signal);
      if (signal === undefined) return undefined;
      return TERMINATING.has(signal) || signal === signalNumber(stopSignalOf(id)) ? { id, effect: 'stopping' } : undefined;
    }
    case 'die': case 'destroy': case 'remove':
      return { id, effect: 'gone' };
    default:
      return undefined;
  }
}
