// The worker's endpoint picker with every active-count change mirrored in the worker's own ledger,
// so that the pool can give back what a crashed worker held (worker-ledger.ts). Data-plane worker
// thread; on the per-connection and per-flow path: one extra call and the ledger's Atomics per change.
import type { EndpointPicker } from '../shared/endpoint-picker-api.ts';
import type { WorkerLedger } from '../shared/worker-ledger.ts';

/** Order: table first on the way up, ledger first on the way down (see WorkerLedger). */
export function ledgeredPicker(picker: EndpointPicker, ledger: WorkerLedger): EndpointPicker {
  return {
    setServicePort: (snapshot) => picker.setServicePort(snapshot),
    removeServicePort: (index) => picker.removeServicePort(index),
    servicePort: (index) => picker.servicePort(index),
    pick: (index, clientIp, tried) => picker.pick(index, clientIp, tried),
    hasUsable: (index) => picker.hasUsable(index),
    opened(index, slot) { picker.opened(index, slot); ledger.slotOpened(slot); },
    closed(index, slot) { ledger.slotClosed(slot); picker.closed(index, slot); },
    connectFailed: (slot) => picker.connectFailed(slot),
    connectSucceeded: (slot) => picker.connectSucceeded(slot),
    flowUsable: (index, slot) => picker.flowUsable(index, slot),
    icmpRefused: (slot, failure) => picker.icmpRefused(slot, failure),
    tryAdmitFlow(index, maxFlows) {
      const ok = picker.tryAdmitFlow(index, maxFlows);
      if (ok) ledger.flowAdmitted(index);
      return ok;
    },
    releaseFlow(index) { ledger.flowReleased(index); picker.releaseFlow(index); },
    tryAdmit(index, globalMax) {
      const r = picker.tryAdmit(index, globalMax);
      if (r === 'ok') ledger.admitted(index);
      return r;
    },
    release(index) { ledger.released(index); picker.release(index); },
  };
}
