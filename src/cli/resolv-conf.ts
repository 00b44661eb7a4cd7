// `switchyard resolv-conf [-n NS]` — the /etc/resolv.conf a Pod in namespace NS would get with
// dnsPolicy ClusterFirst (spec §5: `search <ns>.svc.<zone> svc.<zone> <zone>`, `options ndots:5`),
// naming the built-in kube-dns as its nameserver. Runs in the CLI process.
import { ANNOTATION_DNS_RESPONDER, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from '../model/kube-dns-service.ts';
import type { Service } from '../model/types.ts';
import { resourcePath } from './admin-client.ts';
import { CliError, UsageError } from './cli-error.ts';
import type { CliContext, FlagValues, Verb } from './verb.ts';

/** The file's text for `namespace`, given the kube-dns Service. Pure. */
export function resolvConf(kubeDns: Service, namespace: string): string {
  const zone = kubeDns.metadata.annotations?.[ANNOTATION_DNS_RESPONDER] || 'cluster.local';
  const ip = kubeDns.spec.clusterIP ?? '';
  const port = kubeDns.spec.ports?.find((p) => p.protocol === 'UDP')?.port ?? 53;
  const lines: string[] = [];
  // resolv.conf has no port; a resolver reading it asks port 53 only.
  if (port !== 53) lines.push(`# the responder answers on port ${port}: point a resolver that takes ports at ${ip}:${port} (e.g. dig -p ${port})`);
  lines.push(`nameserver ${ip}`, `search ${namespace}.svc.${zone} svc.${zone} ${zone}`, 'options ndots:5');
  return lines.join('\n') + '\n';
}

async function run(ctx: CliContext, _flags: FlagValues, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`resolv-conf takes no arguments (got ${JSON.stringify(args[0])}); choose the namespace with -n`, 'resolv-conf');
  if (ctx.allNamespaces) throw new UsageError('resolv-conf describes one namespace; use -n NAMESPACE instead of -A', 'resolv-conf');
  let svc: Service | undefined;
  try {
    svc = (await ctx.client.call('GET', resourcePath('Service', KUBE_DNS_NAMESPACE, KUBE_DNS_NAME))).body as Service;
  } catch (err) {
    if ((err as { httpStatus?: number }).httpStatus !== 404) throw err;
  }
  if (!svc?.metadata?.annotations?.[ANNOTATION_DNS_RESPONDER]) {
    throw new CliError('SY_DNS_OFF', 'this switchyard runs no DNS responder (it was started with --dns off); start it without --dns off to get one');
  }
  ctx.out(resolvConf(svc, ctx.namespace));
  return 0;
}

export const resolvConfVerb: Verb = {
  name: 'resolv-conf',
  summary: 'Print the resolv.conf a Pod in the namespace would get (nameserver, search, ndots)',
  help: `Print the nameserver, search and options lines a Pod in the namespace would have in
/etc/resolv.conf with dnsPolicy ClusterFirst, naming switchyard's DNS responder (kube-system/kube-dns).

Usage:
  switchyard resolv-conf [-n NAMESPACE]

Example (a container or a test that should resolve Service names):
  switchyard resolv-conf -n shop > /tmp/resolv.conf
`,
  options: {},
  run,
};
