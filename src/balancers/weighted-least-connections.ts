// Least active/weight across all workers (IPVS wlc); ties served round-robin.
import type { Balancer, PickContext } from './balancer.ts';
import { leastLoaded } from './least-loaded.ts';

export const weightedLeastConnections: Balancer = {
  name: 'weighted-least-connections',
  pick: (ctx: PickContext): number => leastLoaded(ctx, true),
};
