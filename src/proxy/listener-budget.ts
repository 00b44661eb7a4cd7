// The listener share of the descriptor budget (src/server/descriptor-budget.ts), enforced where a
// Service is admitted: a create or update that would make the Services need more listeners than
// the budget allows is refused with 403 Forbidden before it is stored, so nothing is bound for it and
// what already runs is untouched (a Service with 10,000 ports used to bind listeners until the
// process ran out of descriptors). Main thread; the registry calls admit() inside its write queue,
// and the change notices that follow every committed write keep the per-Service counts current.
import type { AdmissionCheck } from '../control/control-plane-api.ts';
import type { Registry } from '../control/registry.ts';
import { splitNamespacedKey } from '../model/namespace-of.ts';
import { ApiError } from '../model/api-error.ts';
import { truncateForMessage } from '../model/truncate.ts';
import type { KubeObject, Service } from '../model/types.ts';
import { planListeners } from './plan-listeners.ts';

export interface ListenerBudget {
  /** Listeners allowed in all; 0 = unlimited. */
  readonly max: number;
  /** Listeners the stored Services need. */
  used(): number;
  /** The registry's admission check (throws ApiError 403 SY_LISTENER_BUDGET). */
  readonly admit: AdmissionCheck;
  close(): void;
}

export interface ListenerBudgetOptions {
  registry: Registry;
  nodeAddresses: string[];
  max: number;
  /** For the message: what one listener costs and the limit the budget comes from. */
  perListener: number;
  openFileLimit: number | undefined;
  /** Called with used() at the start and whenever it changes. */
  onChange?: (used: number) => void;
}

/** A LoadBalancer Service without loadBalancerIP gets one address from the pool: any distinct key counts it. */
const POOL_ADDRESS = 'lb-pool';

/** The listeners `service` needs: one per (address, port, protocol) planListeners plans. */
export function listenersNeeded(service: Service, nodeAddresses: string[]): number {
  return planListeners({
    service, nodeAddresses, servicePortIndex: () => 0,
    loadBalancerAddress: service.spec.type === 'LoadBalancer' ? service.spec.loadBalancerIP || POOL_ADDRESS : undefined,
  }).length;
}

export function createListenerBudget(o: ListenerBudgetOptions): ListenerBudget {
  const counts = new Map<string, number>();
  let total = 0;
  const keyOf = (s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`;
  const set = (key: string, n: number) => {
    const before = total;
    total += n - (counts.get(key) ?? 0);
    if (n > 0) counts.set(key, n); else counts.delete(key);
    if (total !== before) o.onChange?.(total);
  };
  const recount = (key: string) => {
    const svc = o.registry.get('Service', ...splitNamespacedKey(key)) as Service | undefined;
    set(key, svc ? listenersNeeded(svc, o.nodeAddresses) : 0);
  };
  for (const s of o.registry.list('Service')) recount(keyOf(s));
  o.onChange?.(total);
  const unsubscribe = o.registry.subscribe((notice) => { for (const k of notice.services) recount(k); });

  const admit: AdmissionCheck = (next) => {
    if (next.kind !== 'Service' || o.max <= 0) return;
    const key = keyOf(next);
    const held = counts.get(key) ?? 0;
    const need = listenersNeeded(next as Service, o.nodeAddresses);
    // A change that needs no more listeners than the Service holds is always let through, even
    // when the budget was lowered below what is stored.
    if (need <= held || total - held + need <= o.max) return;
    const name = truncateForMessage(next.metadata.name ?? '');
    const free = Math.max(0, o.max - (total - held));
    const cost = o.openFileLimit === undefined ? ''
      : ` (its open-file limit is ${o.openFileLimit} and each listener takes ${o.perListener} descriptor${o.perListener === 1 ? '' : 's'})`;
    const detail = `needs ${need} listeners (one per port and address: ClusterIP, external and load-balancer IPs, each node address for a NodePort) ` +
      `but ${free} of the ${o.max} the server allows${cost} are free`;
    throw new ApiError(403, 'Forbidden', 'SY_LISTENER_BUDGET',
      `services "${name}" is forbidden: exceeds the listener budget: it ${detail}. Nothing was changed; use fewer ports or addresses, ` +
      'delete Services you no longer need, or have the server restarted with a higher open-file limit or listener limit',
      { name, kind: 'services', causes: [{ reason: 'FieldValueTooMany', field: 'spec.ports', message: `Too many: ${need}: ${detail}` }] });
  };

  return {
    max: o.max,
    used: () => total,
    admit,
    close: unsubscribe,
  };
}
