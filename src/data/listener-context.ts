// What a connection handler knows of the listener a connection arrived on. Built once per listener
// (never per connection): in a worker for its own listeners, on the main thread by the transfer
// acceptor, which applies the source ranges before a worker sees the socket.
import type { ListenerSpec } from '../shared/messages.ts';
import { createCidrMatcher } from './cidr-matcher.ts';
import type { ListenerContext } from './connection-handler.ts';

export function listenerContext(spec: ListenerSpec): ListenerContext {
  // Kubernetes applies loadBalancerSourceRanges to the load-balancer address only, not NodePorts.
  const allowSource = spec.role === 'loadBalancer' && spec.sourceRanges.length > 0 ? createCidrMatcher(spec.sourceRanges) : null;
  return { id: spec.id, address: spec.address, port: spec.port, servicePortIndex: spec.servicePortIndex, allowSource };
}
