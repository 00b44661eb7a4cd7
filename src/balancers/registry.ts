// Balancing algorithms by name (the `algorithm` of ServicePortOptions and the
// `switchyard.io/lb-algorithm` annotation). Pure; any thread.
import { badRequest } from '../model/api-error.ts';
import type { Balancer } from './balancer.ts';
import { leastConnections } from './least-connections.ts';
import { maglev } from './maglev.ts';
import { random } from './random.ts';
import { roundRobin } from './round-robin.ts';
import { weightedLeastConnections } from './weighted-least-connections.ts';
import { weightedRandom } from './weighted-random.ts';
import { weightedRoundRobin } from './weighted-round-robin.ts';

const balancers = new Map<string, Balancer>(
  [roundRobin, leastConnections, random, weightedRoundRobin, weightedRandom, weightedLeastConnections, maglev].map((b) => [b.name, b]),
);

export function balancerNames(): string[] {
  return [...balancers.keys()].sort();
}

/** Throws ApiError SY_UNKNOWN_ALGORITHM (400) naming the valid algorithms. */
export function getBalancer(name: string): Balancer {
  const b = balancers.get(name);
  if (!b) {
    throw badRequest('SY_UNKNOWN_ALGORITHM',
      `unknown load-balancing algorithm ${JSON.stringify(name)}: use one of ${balancerNames().join(', ')}`);
  }
  return b;
}
