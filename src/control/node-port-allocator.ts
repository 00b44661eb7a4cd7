// NodePort allocation from the NodePort range (default 30000-32767), and the per-Service rules of
// the apiserver (pkg/registry/core/service/storage/alloc.go initNodePorts/updateNodePorts,
// portallocator texts; spec §2.3). Main thread only; the registry re-reserves stored ports at
// startup. Automatic allocation is deterministic, lowest free port first (upstream picks randomly;
// deterministic numbers make fresh installs reproducible). healthCheckNodePort shares the range.
import type { FieldError } from '../model/field-errors.ts';
import { forbidden, invalid } from '../model/field-errors.ts';
import { needsHealthCheck } from '../config/default-service.ts';
import { ApiError, badRequest, invalidError } from '../model/api-error.ts';
import type { Service, ServicePort } from '../model/types.ts';

export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export interface NodePortAllocator {
  /** `30000-32767`, as the error texts show it. */
  readonly range: string;
  readonly base: number;
  readonly size: number;
  /** Reserves a requested port; the upstream error text when it cannot. */
  allocate(port: number): string | undefined;
  /** The lowest free port, reserved; undefined when the range is full. */
  allocateNext(): number | undefined;
  release(port: number): void;
  has(port: number): boolean;
  free(): number;
}

/** `30000-32767`, `30000+2767` (base+size-1, as kube-apiserver accepts) or a single port. */
export function parseNodePortRange(text: string): { base: number; size: number } {
  const m = /^\s*(\d{1,5})\s*(?:([-+])\s*(\d{1,5}))?\s*$/.exec(text);
  const bad = () => badRequest('SY_NODE_PORT_RANGE',
    `invalid node port range "${text}": expected <first>-<last> within 1-65535, e.g. 30000-32767`);
  if (!m) throw bad();
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : m[2] === '-' ? Number(m[3]) : first + Number(m[3]);
  if (first < 1 || last > 65535 || last < first) throw bad();
  return { base: first, size: last - first + 1 };
}

export function createNodePortAllocator(rangeText: string = DEFAULT_NODE_PORT_RANGE): NodePortAllocator {
  const { base, size } = parseNodePortRange(rangeText);
  const range = `${base}-${base + size - 1}`;
  const used = new Uint8Array(size);
  let count = 0;
  // Lowest offset that may be free; moves back on release so allocation stays lowest-first.
  let cursor = 0;
  const inRange = (p: number) => Number.isInteger(p) && p >= base && p < base + size;
  return {
    range, base, size,
    allocate(port) {
      if (!inRange(port)) return `provided port is not in the valid range. The range of valid ports is ${range}`;
      if (used[port - base]) return 'provided port is already allocated';
      used[port - base] = 1;
      count++;
      return undefined;
    },
    allocateNext() {
      while (cursor < size && used[cursor]) cursor++;
      if (cursor >= size) return undefined;
      used[cursor] = 1;
      count++;
      return base + cursor;
    },
    release(port) {
      if (!inRange(port) || !used[port - base]) return;
      used[port - base] = 0;
      count--;
      if (port - base < cursor) cursor = port - base;
    },
    has(port) {
      return inRange(port) && used[port - base] === 1;
    },
    free() {
      return size - count;
    },
  };
}

/** ShouldAllocateNodePorts: NodePort, or LoadBalancer unless allocateLoadBalancerNodePorts=false. */
export function shouldAllocateNodePorts(svc: Service): boolean {
  return svc.spec.type === 'NodePort'
    || (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
}

/** The node ports a stored Service holds: every ports[].nodePort and its healthCheckNodePort. */
export function heldNodePorts(svc: Service | undefined): Set<number> {
  const held = new Set<number>();
  if (!svc || (svc.spec.type !== 'NodePort' && svc.spec.type !== 'LoadBalancer')) return held;
  for (const p of svc.spec.ports ?? []) if (p.nodePort) held.add(p.nodePort);
  if (svc.spec.healthCheckNodePort) held.add(svc.spec.healthCheckNodePort);
  return held;
}

export interface NodePortAssignment {
  /** Ports newly reserved by this call: released by the caller if the apply fails later. */
  taken: number[];
  /** Ports the previous version held that `next` no longer uses: release once the change is committed. */
  toRelease: number[];
}

/** The range cannot hold what this Service asks for: the user's to resolve, so a 422 naming the
 *  first field that gets no port (kube-apiserver answers 500 "failed to allocate a nodePort: range
 *  is full", which reads as a server fault). */
function fullError(svc: Service, field: string, alloc: NodePortAllocator, needed: number): ApiError {
  const free = alloc.free();
  const detail = `failed to allocate a node port: the range ${alloc.range} is full (${free} of ${alloc.size} ports free, this Service needs ${needed}); ` +
    'delete unused NodePort or LoadBalancer Services, set allocateLoadBalancerNodePorts: false where no node port is wanted, or have the server restarted with a wider NodePort range';
  return invalidError('Service', svc.metadata.name ?? '', [forbidden(field, detail)], '', 'SY_NODE_PORT_RANGE_FULL');
}

/**
 * Fills in `next`'s nodePorts and healthCheckNodePort (mutating it) and reserves them. Ports `prev`
 * (the stored version of the same Service) already holds are kept without re-reserving. A port
 * number that appears twice (TCP and UDP 53) gets one nodePort (initNodePorts keys by number).
 * Requested ports out of range or in use → field errors, nothing kept reserved; a range without
 * room for the Service → ApiError 422 SY_NODE_PORT_RANGE_FULL naming the field, nothing reserved.
 */
export function assignNodePorts(alloc: NodePortAllocator, next: Service, prev: Service | undefined): NodePortAssignment | FieldError[] {
  const prevHeld = heldNodePorts(prev);
  const taken: number[] = [];
  const errors: FieldError[] = [];
  const mine = new Set<number>();
  const reserve = (port: number): string | undefined => {
    if (mine.has(port)) return undefined;
    if (prevHeld.has(port)) { mine.add(port); return undefined; }
    const err = alloc.allocate(port);
    if (err === undefined) { taken.push(port); mine.add(port); }
    return err;
  };
  const undo = () => { for (const p of taken) alloc.release(p); };

  const typed = next.spec.type === 'NodePort' || next.spec.type === 'LoadBalancer';
  const ports: ServicePort[] = typed ? next.spec.ports ?? [] : [];
  const auto = shouldAllocateNodePorts(next);
  const byPortNumber = new Map<number, number>();
  try {
    // Requested ports first, so an automatic pick never takes a port requested later in the list.
    ports.forEach((p, i) => {
      if (!p.nodePort) return;
      const err = reserve(p.nodePort);
      if (err) errors.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, err));
      else if (!byPortNumber.has(p.port)) byPortNumber.set(p.port, p.nodePort);
    });
    if (errors.length === 0) {
      // Count first, so that a range too small for the whole Service is refused before any
      // automatic port is taken, naming the first port that would get none.
      const numbers = new Set<number>();
      let short: string | undefined;
      const wantsHealthCheck = needsHealthCheck(next) && !next.spec.healthCheckNodePort;
      if (auto) {
        ports.forEach((p, i) => {
          if (p.nodePort || byPortNumber.has(p.port) || numbers.has(p.port)) return;
          numbers.add(p.port);
          if (numbers.size > alloc.free() && short === undefined) short = `spec.ports[${i}].nodePort`;
        });
      }
      const needed = numbers.size + (wantsHealthCheck ? 1 : 0);
      if (short === undefined && needed > alloc.free()) short = 'spec.healthCheckNodePort';
      if (short !== undefined) throw fullError(next, short, alloc, needed);
    }
    if (errors.length === 0 && auto) {
      for (const p of ports) {
        if (p.nodePort) continue;
        let np = byPortNumber.get(p.port);
        if (np === undefined) {
          np = alloc.allocateNext();
          if (np === undefined) throw fullError(next, 'spec.ports', alloc, 1);
          taken.push(np);
          mine.add(np);
          byPortNumber.set(p.port, np);
        }
        p.nodePort = np;
      }
    }
    if (errors.length === 0 && needsHealthCheck(next)) {
      const hc = next.spec.healthCheckNodePort;
      if (hc) {
        const err = reserve(hc);
        if (err) errors.push(invalid('spec.healthCheckNodePort', hc, `failed to allocate requested HealthCheck NodePort ${hc}: ${err}`));
      } else {
        const np = alloc.allocateNext();
        if (np === undefined) throw fullError(next, 'spec.healthCheckNodePort', alloc, 1);
        taken.push(np);
        mine.add(np);
        next.spec.healthCheckNodePort = np;
      }
    }
  } catch (err) {
    undo();
    throw err;
  }
  if (errors.length) {
    undo();
    return errors;
  }
  return { taken, toRelease: [...prevHeld].filter((p) => !mine.has(p)) };
}
