// `switchyard get TYPE [NAME…] [-o wide|yaml|json|name] [-l SELECTOR]` — kubectl get. CLI process.
import type { ApiObject } from '../model/types.ts';
import { resourceOfKind } from '../api/api-resources.ts';
import { ApiError } from '../model/api-error.ts';
import type { Table } from '../api/table-columns.ts';
import { resourcePath, TABLE_ACCEPT } from './admin-client.ts';
import { formatApiError, UsageError } from './cli-error.ts';
import { printTable } from './printers/get-table.ts';
import { renderObjects, type OutputFormat } from './printers/object-output.ts';
import { parseResourceArgs, type NamespacedKind } from './resource-args.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

const OUTPUTS = ['wide', 'yaml', 'json', 'name'];

/** Lists one kind in the context's namespace (or all), optionally filtered by a label selector. */
export async function listObjects(ctx: CliContext, kind: NamespacedKind, labelSelector?: string): Promise<ApiObject[]> {
  const ns = ctx.allNamespaces ? undefined : ctx.namespace;
  const query = labelSelector ? { labelSelector } : undefined;
  const res = await ctx.client.call('GET', resourcePath(kind, ns), undefined, query);
  return ((res.body as { items?: ApiObject[] })?.items ?? []).map((o) => ({ ...o, kind, apiVersion: o.apiVersion ?? resourceOfKind(kind).apiVersion })) as ApiObject[];
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
  const errors: string[] = [];
  if (output === 'yaml' || output === 'json' || output === 'name') {
    const found: ApiObject[] = [];
    if (refs.length === 0) found.push(...await listObjects(ctx, kind!, stringFlag(flags, 'selector')));
    for (const ref of refs) {
      try {
        found.push((await ctx.client.call('GET', resourcePath(ref.kind, ctx.namespace, ref.name))).body as ApiObject);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(formatApiError(err));
      }
    }
    if (found.length > 0 || refs.length === 0) ctx.out(renderObjects(found, output as OutputFormat, refs.length !== 1));
  } else {
    // Human output is the server's Table (the columns live in one place, src/api/table-columns.ts).
    const tables = new Map<NamespacedKind, Table>();
    const add = (k: NamespacedKind, t: Table) => {
      const seen = tables.get(k);
      if (seen) seen.rows.push(...t.rows);
      else tables.set(k, t);
    };
    if (refs.length === 0) {
      const ns = ctx.allNamespaces ? undefined : ctx.namespace;
      const selector = stringFlag(flags, 'selector');
      const res = await ctx.client.call('GET', resourcePath(kind!, ns), undefined, selector ? { labelSelector: selector } : undefined, TABLE_ACCEPT);
      add(kind!, res.body as Table);
    }
    for (const ref of refs) {
      try {
        add(ref.kind, (await ctx.client.call('GET', resourcePath(ref.kind, ctx.namespace, ref.name), undefined, undefined, TABLE_ACCEPT)).body as Table);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(formatApiError(err));
      }
    }
    const rows = [...tables.values()].reduce((n, t) => n + (t.rows?.length ?? 0), 0);
    if (rows === 0 && refs.length === 0) {
      ctx.err(ctx.allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
    } else if (rows > 0) {
      // Objects of several kinds (svc/a ep/b) print as one table per kind, like kubectl.
      const texts = [...tables.values()].filter((t) => t.rows.length > 0)
        .map((t) => printTable(t, { wide: output === 'wide', allNamespaces: ctx.allNamespaces }));
      ctx.out(texts.join('\n'));
    }
  }
  for (const e of errors) ctx.err(e + '\n');
  return errors.length > 0 ? 1 : 0;
}

export const getVerb: Verb = {
  name: 'get',
  summary: 'Display one or many resources',
  help: `Display one or many resources (services, endpoints, endpointslices, pods, events, leases).

Usage:
  switchyard get TYPE [NAME ...] [-o wide|yaml|json|name] [-l key=value] [-n NAMESPACE | -A]
  switchyard get TYPE/NAME ...

Examples:
  switchyard get svc
  switchyard get services web -o yaml
  switchyard get ep -A
  switchyard get leases -n kube-system    # who leads, when instances share an etcd store
`,
  options: {
    output: { type: 'string', short: 'o' },
    selector: { type: 'string', short: 'l' },
  },
  run,
};
