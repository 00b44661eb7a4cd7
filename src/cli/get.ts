// `switchyard get TYPE [NAME…] [-o wide|yaml|json|name] [-l SELECTOR]` — kubectl get. CLI process.
import type { KindName, KubeObject } from '../model/types.ts';
import { KINDS } from '../model/types.ts';
import { ApiError } from '../model/api-error.ts';
import { resourcePath } from './admin-client.ts';
import { formatApiError, UsageError } from './cli-error.ts';
import { renderTable } from './printers/get-table.ts';
import { renderObjects, type OutputFormat } from './printers/object-output.ts';
import { parseResourceArgs } from './resource-args.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'];

/** Lists one kind in the context's namespace (or all), optionally filtered by a label selector. */
export async function listObjects(ctx: CliContext, kind: KindName, labelSelector?: string): Promise<KubeObject[]> {
  const ns = ctx.allNamespaces ? undefined : ctx.namespace;
  const query = labelSelector ? { labelSelector } : undefined;
  const res = await ctx.client.call('GET', resourcePath(kind, ns), undefined, query);
  return ((res.body as { items?: KubeObject[] })?.items ?? []).map((o) => ({ ...o, kind, apiVersion: o.apiVersion ?? KINDS[kind].apiVersion })) as KubeObject[];
}

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  const output = stringFlag(flags, 'output');
  if (output !== undefined && !OUTPUTS.includes(output)) {
    throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${OUTPUTS.join(',')}`, 'get');
  }
  const { kind, refs } = parseResourceArgs(args, 'get');
  if (refs.length > 0 && ctx.allNamespaces) {
    throw new UsageError('a resource cannot be retrieved by name across all namespaces', 'get');
  }
  const found: KubeObject[] = [];
  const errors: string[] = [];
  if (refs.length === 0) {
    found.push(...await listObjects(ctx, kind!, stringFlag(flags, 'selector')));
  } else {
    for (const ref of refs) {
      try {
        const res = await ctx.client.call('GET', resourcePath(ref.kind, ctx.namespace, ref.name));
        found.push(res.body as KubeObject);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(formatApiError(err));
      }
    }
  }
  if (output === 'yaml' || output === 'json' || output === 'name') {
    if (found.length > 0 || refs.length === 0) ctx.out(renderObjects(found, output as OutputFormat, refs.length !== 1));
  } else if (found.length === 0 && refs.length === 0) {
    ctx.err(ctx.allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
  } else {
    // Objects of several kinds (svc/a ep/b) print as one table per kind, like kubectl.
    const kinds = [...new Set(found.map((o) => o.kind))];
    const tables = kinds.map((k) => renderTable(k, found.filter((o) => o.kind === k),
      { wide: output === 'wide', allNamespaces: ctx.allNamespaces, now: ctx.now() }));
    if (tables.length > 0) ctx.out(tables.join('\n'));
  }
  for (const e of errors) ctx.err(e + '\n');
  return errors.length > 0 ? 1 : 0;
}

export const getVerb: Verb = {
  name: 'get',
  summary: 'Display one or many resources',
  help: `Display one or many resources (services, endpoints, endpointslices, pods).

Usage:
  switchyard get TYPE [NAME ...] [-o wide|yaml|json|name] [-l key=value] [-n NAMESPACE | -A]
  switchyard get TYPE/NAME ...

Examples:
  switchyard get svc
  switchyard get services web -o yaml
  switchyard get ep -A
`,
  options: {
    output: { type: 'string', short: 'o' },
    selector: { type: 'string', short: 'l' },
  },
  run,
};
