// `switchyard env [-n NS]` — the variables kubelet would give a container in namespace NS (spec
// §4): `KEY=value`, sorted, one per line, ready for `env $(switchyard env) cmd` or an env file.
// Runs in the CLI process.
import type { Service } from '../model/types.ts';
import { serviceEnv } from '../model/service-env.ts';
import { resourcePath } from './admin-client.ts';
import { UsageError } from './cli-error.ts';
import type { CliContext, FlagValues, Verb } from './verb.ts';

async function listServices(ctx: CliContext, namespace: string): Promise<Service[]> {
  const res = await ctx.client.call('GET', resourcePath('Service', namespace));
  return (res.body as { items?: Service[] })?.items ?? [];
}

async function run(ctx: CliContext, _flags: FlagValues, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`env takes no arguments (got ${JSON.stringify(args[0])}); choose the namespace with -n`, 'env');
  if (ctx.allNamespaces) throw new UsageError('env describes one namespace; use -n NAMESPACE instead of -A', 'env');
  const services = await listServices(ctx, ctx.namespace);
  // `default/kubernetes` reaches every namespace's containers, so fetch `default` too.
  if (ctx.namespace !== 'default') services.push(...await listServices(ctx, 'default'));
  const vars = serviceEnv(services, ctx.namespace);
  ctx.out(Object.keys(vars).sort().map((k) => `${k}=${vars[k]}\n`).join(''));
  return 0;
}

export const envVerb: Verb = {
  name: 'env',
  summary: 'Print the Service environment variables a container would get',
  help: `Print the environment variables kubelet would set for a container in the namespace
({SVC}_SERVICE_HOST, {SVC}_SERVICE_PORT, {SVC}_PORT_…), sorted, one KEY=value per line.

Usage:
  switchyard env [-n NAMESPACE]
`,
  options: {},
  run,
};
