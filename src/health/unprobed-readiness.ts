// The registry's readiness source until the health loop exists (the loop reads the registry, so
// it is created after it): a Pod with a readiness probe is not ready until one of its probes has
// passed, as kubelet has it, so neither the registry's start-up publication (a restart's stored
// Pods), nor the -f manifests, nor the data plane's first snapshots count it ready for a moment.
// Everything else keeps its own conditions, as the health loop's implicit probes start ready.
// Main thread, pure.
import type { ReadinessSource } from '../control/control-plane-api.ts';
import { probedContainers } from './health-targets.ts';

export const unprobedReadiness: ReadinessSource = {
  podReady: (pod) => (probedContainers(pod).length > 0 ? false : undefined),
};
