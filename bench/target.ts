// What a load runs against: an HTTP address (the two nginx backends behind it), a raw TCP address
// (the sink behind it), and the PIDs whose CPU is the proxy's own (none for the direct target).
export interface Address { host: string; port: number }

export interface Target {
  /** Short key used in the JSON and on progress lines. */
  name: string;
  /** Column heading in the Markdown table. */
  label: string;
  http: Address;
  sink: Address;
  /** PIDs to charge CPU to, read at measurement time (nginx workers can be replaced). */
  pids(): number[];
  stop(): Promise<void>;
}

export function directTarget(http: Address, sink: Address): Target {
  return { name: 'direct', label: 'direct', http, sink, pids: () => [], stop: async () => {} };
}
