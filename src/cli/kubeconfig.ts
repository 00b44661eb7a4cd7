// `switchyard kubeconfig` — a kubeconfig for the server this CLI talks to (--server,
// SWITCHYARD_SERVER, with the bearer token of --token-file), so kubectl and client libraries drive
// switchyard: `KUBECONFIG=<(switchyard kubeconfig) kubectl get svc`. Runs in the CLI process.
import { stringify } from 'yaml';
import { UsageError } from './cli-error.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

/** The kubeconfig document; `name` names its cluster, user and context. */
export function kubeconfig(server: string, opts: { token?: string; namespace?: string; name?: string } = {}): Record<string, unknown> {
  const name = opts.name ?? 'switchyard';
  const plain = new URL(server).protocol === 'http:';
  return {
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{
      name,
      // Client libraries (client-node) refuse a plain-HTTP server unless TLS verification is off,
      // although there is no TLS to verify; kubectl does not mind.
      cluster: { server, ...(plain ? { 'insecure-skip-tls-verify': true } : {}) },
    }],
    users: [{ name, user: opts.token ? { token: opts.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': name,
  };
}

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`kubeconfig takes no arguments (got ${JSON.stringify(args[0])})`, 'kubeconfig');
  const doc = kubeconfig(ctx.client.server, {
    token: ctx.client.token, namespace: ctx.namespaceExplicit ? ctx.namespace : undefined, name: stringFlag(flags, 'name'),
  });
  ctx.out(stringify(doc, { indentSeq: false, lineWidth: 0 }));
  return 0;
}

export const kubeconfigVerb: Verb = {
  name: 'kubeconfig',
  summary: 'Print a kubeconfig that points kubectl at this switchyard',
  help: `Print a kubeconfig for the switchyard server (--server or SWITCHYARD_SERVER, default
http://127.0.0.1:10249), with the bearer token of --token-file when one is given, so that kubectl
and Kubernetes client libraries drive switchyard.

Usage:
  switchyard kubeconfig [--server URL] [--token-file FILE] [-n NAMESPACE] [--name NAME]

Examples:
  KUBECONFIG=<(switchyard kubeconfig) kubectl get svc
  switchyard kubeconfig > ~/.kube/switchyard.yaml
`,
  options: { name: { type: 'string' } },
  run,
};
