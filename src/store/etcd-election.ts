// Leader election on an etcd lease: the leader key (`leader/NAME`) is created only if absent, bound
// to this instance's lease, and kept by the lease's keep-alives; when the leader dies or is cut off
// the lease expires (its TTL), etcd deletes the key, every other instance sees that on its watch and
// tries to create it, and one transaction wins. Writes of the leader compare the key's value and
// lease (fence()), so a deposed leader cannot commit over a newer one. A leader that has not renewed
// for 2/3 of the TTL steps down on its own, before etcd could hand the lease to another. Main thread.
import type { Etcd3, ICompare, IKeyValue, Lease } from 'etcd3';
import type { EtcdFeed } from './etcd-feed.ts';
import type { ElectionOptions, LeaderElection, LeaderState } from './store.ts';

export interface EtcdElection extends LeaderElection {
  /** The compares that make a write conditional on this instance still leading; undefined when it does not. */
  fence(): ICompare[] | undefined;
  /** Whether `kv` (the leader key as read) is this instance's. */
  holds(kv: IKeyValue | undefined): boolean;
}

interface LeaderValue { holder: string; acquiredAt: number }

const parseValue = (kv: IKeyValue | undefined): LeaderValue | undefined => {
  if (!kv) return undefined;
  try { return JSON.parse(kv.value.toString()) as LeaderValue; } catch { return undefined; }
};

export function startEtcdElection(o: { client: Etcd3; key: string; feed: EtcdFeed; name: string; options: ElectionOptions; log(message: string): void }): EtcdElection {
  const ttlMs = o.options.ttlSeconds * 1000;
  let leading = false;
  let lease: Lease | undefined;
  let leaseId = '';
  let value = '';
  let lastRenew = 0;
  let closed = false;
  let campaigning = false;
  let transitions = 0;
  let lastHolder = parseValue(o.feed.leader(o.name))?.holder;

  const setLeading = (v: boolean) => {
    if (leading === v) return;
    leading = v;
    o.log(v ? `leader election: ${o.options.identity} now leads ${o.name}` : `leader election: ${o.options.identity} no longer leads ${o.name}`);
    o.options.onChange(v);
  };

  const dropLease = () => {
    const l = lease;
    lease = undefined;
    leaseId = '';
    l?.release();
  };

  async function campaign(): Promise<void> {
    if (closed || leading || campaigning) return;
    if (o.feed.leader(o.name)) return; // held: the watch says when it goes
    campaigning = true;
    try {
      if (!lease) {
        const l = o.client.lease(o.options.ttlSeconds, { autoKeepAlive: true });
        l.on('keepaliveSucceeded', () => {
          if (l !== lease) return;
          lastRenew = Date.now();
          if (leading) o.options.onRenewed?.();
        });
        l.on('lost', (err: Error) => {
          if (l !== lease) return;
          o.log(`leader election: lease lost (${err.message})`);
          dropLease();
          setLeading(false);
        });
        leaseId = await l.grant();
        lease = l;
        lastRenew = Date.now();
      }
      value = JSON.stringify({ holder: o.options.identity, acquiredAt: Date.now() } satisfies LeaderValue);
      const key = Buffer.from(o.key);
      const res = await o.client.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key, value: Buffer.from(value), lease: leaseId } }],
        failure: [],
      }, { deadline: Date.now() + Math.max(1000, ttlMs / 2) });
      if (res.succeeded && !closed) {
        await o.feed.committed(Number(res.header.revision), ttlMs);
        if (o.feed.leader(o.name)?.value.toString() === value) setLeading(true);
      }
    } catch (err) {
      o.log(`leader election: campaign failed (${(err as Error).message}); retrying`);
    } finally {
      campaigning = false;
    }
  }

  const unsubscribe = o.feed.onLeader((name) => {
    if (name !== o.name) return;
    const kv = o.feed.leader(name);
    const holder = parseValue(kv)?.holder;
    if (holder !== lastHolder && holder !== undefined) transitions++;
    lastHolder = holder ?? lastHolder;
    if (leading && kv?.value.toString() !== value) setLeading(false);
    if (!kv) void campaign();
  });

  const tick = setInterval(() => {
    if (closed) return;
    if (leading && Date.now() - lastRenew > (ttlMs * 2) / 3) {
      // Cut off from etcd: stop acting before the lease can expire and another instance lead.
      o.log(`leader election: no lease renewal for ${Date.now() - lastRenew} ms; stepping down`);
      dropLease();
      setLeading(false);
    }
    void campaign();
  }, Math.max(250, ttlMs / 4));
  tick.unref();
  void campaign();

  return {
    leading: () => leading,
    state(): LeaderState {
      const v = parseValue(o.feed.leader(o.name));
      return {
        holder: v?.holder, acquiredAt: v?.acquiredAt, renewedAt: leading ? lastRenew : undefined,
        transitions, ttlSeconds: o.options.ttlSeconds,
      };
    },
    fence() {
      if (!leading || !leaseId) return undefined;
      const key = Buffer.from(o.key);
      return [
        { key, target: 'Value', result: 'Equal', value: Buffer.from(value) },
        { key, target: 'Lease', result: 'Equal', lease: leaseId },
      ];
    },
    holds: (kv) => leading && kv?.value.toString() === value,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(tick);
      unsubscribe();
      const l = lease;
      lease = undefined;
      setLeading(false);
      // Revoking deletes the key at once: another instance takes over without waiting for the TTL.
      if (l) await l.revoke({ deadline: Date.now() + 2000 }).catch(() => l.release());
    },
  };
}
