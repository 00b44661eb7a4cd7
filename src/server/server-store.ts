// Where one instance keeps its objects, and who among several runs the controllers: the embedded
// SQLite file in the state directory, or an etcd cluster several instances share. On etcd the
// controllers (endpoints, the health loop's probes) run on one instance elected by a lease, so
// that instances never publish conflicting endpoints; without election every instance runs them.
// Main thread.
import { hostname } from 'node:os';
import type { Registry } from '../control/registry.ts';
import { openEtcdStore } from '../store/etcd-store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { LeaderElection, Store } from '../store/store.ts';
import type { ServerOptions } from './server-options.ts';

/** The Lease that names the controllers' leader (kube-system/switchyard-controller, as kube-controller-manager's). */
export const LEADER_LEASE = 'switchyard-controller';
/** The leader lease's TTL: how soon another instance takes over from one that vanished. */
const DEFAULT_LEASE_SECONDS = 5;

export interface ServerStore {
  store: Store;
  /** The controllers run on an elected leader: a shared store with election on. */
  elected: boolean;
  /**
   * Enters the election for `registry`, which follows until it wins; undefined when not elected.
   * Call it once the registry exists, before anything reads whether it leads.
   */
  elect(registry: Registry): LeaderElection | undefined;
}

export async function openServerStore(o: Pick<ServerOptions, 'stateDir' | 'store' | 'leaderElect' | 'leaseSeconds' | 'identity' | 'log'>): Promise<ServerStore> {
  const store: Store = o.store?.kind === 'etcd'
    ? await openEtcdStore(o.store.connection, { log: (m) => o.log('info', m) })
    : await openSqliteStore(o.stateDir);
  const shared = store.shared;
  const elected = shared !== undefined && (o.leaderElect ?? true);
  return {
    store,
    elected,
    elect(registry) {
      if (!elected) return undefined;
      let election: LeaderElection | undefined;
      // The Lease object is set before the registry leads, so that the first publication has it.
      const publishLease = () => registry.setLeaderLease(LEADER_LEASE, election?.state());
      election = shared!.elect(LEADER_LEASE, {
        identity: o.identity ?? `${hostname()}-${process.pid}`,
        ttlSeconds: o.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
        onChange: (leading) => {
          if (leading) publishLease();
          registry.setLeading(leading);
        },
        onRenewed: publishLease,
      });
      return election;
    },
  };
}
