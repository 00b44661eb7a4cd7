// Least active connections across all workers; ties served round-robin. See least-loaded.ts for the
// exact-scan / power-of-k trade-off above a few endpoints.
import type { Balancer, PickContext } from './balancer.ts';
import { leastLoaded } from './least-loaded.ts';

export const leastConnections: Balancer = {
  name: 'least-connections',
  pick: (ctx: PickContext): number => leastLoaded(ctx, false),
};
