// `switchyard delete (-f PATH… | TYPE NAME… | TYPE/NAME…) [--ignore-not-found] [--dry-run]` —
// kubectl delete. Prints `service "web" deleted` per object. Runs in the CLI process.
import { ApiError } from '../model/api-error.ts';
import { resourcePath } from './admin-client.ts';
import { formatApiError, UsageError } from './cli-error.ts';
import { readManifestObjects } from './manifest-objects.ts';
import { parseResourceArgs, singularResource, type NamespacedKind } from './resource-args.ts';
import { stringsFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

interface Target { kind: NamespacedKind; namespace: string; name: string }

async function fromFiles(ctx: CliContext, paths: string[]): Promise<{ targets: Target[]; failed: boolean }> {
  const targets: Target[] = [];
  let failed = false;
  for (const item of await readManifestObjects(ctx, paths)) {
    if (item.status === 'served') targets.push({ kind: item.kind, namespace: item.namespace, name: item.name });
    else if (item.status === 'skipped') ctx.err(`${item.label} skipped: ${item.reason}\n`);
    else { ctx.err(item.message + '\n'); failed = true; }
  }
  return { targets, failed };
}

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  const files = stringsFlag(flags, 'filename');
  let targets: Target[];
  let failed = false;
  if (files.length > 0) {
    if (args.length > 0) throw new UsageError('give either -f PATH or TYPE NAME, not both', 'delete');
    ({ targets, failed } = await fromFiles(ctx, files));
  } else {
    const { refs } = parseResourceArgs(args, 'delete');
    if (refs.length === 0) throw new UsageError('resource(s) were provided, but no name was specified', 'delete');
    targets = refs.map((r) => ({ ...r, namespace: ctx.namespace }));
  }
  const dryRun = flags['dry-run'] === true;
  for (const t of targets) {
    try {
      await ctx.client.call('DELETE', resourcePath(t.kind, t.namespace, t.name), undefined, dryRun ? { dryRun: 'All' } : undefined);
      ctx.out(`${singularResource(t.kind)} "${t.name}" deleted${dryRun ? ' (dry run)' : ''}\n`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.httpStatus === 404 && flags['ignore-not-found'] === true) continue;
      ctx.err(formatApiError(err) + '\n');
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export const deleteVerb: Verb = {
  name: 'delete',
  summary: 'Delete resources by file names, stdin, or type and name',
  help: `Delete resources by file names, stdin, or type and name.

Usage:
  switchyard delete -f PATH [-f PATH ...] [--dry-run]
  switchyard delete TYPE NAME [NAME ...] [-n NAMESPACE] [--ignore-not-found] [--dry-run]

Examples:
  switchyard delete -f config/nginx.yaml
  switchyard delete svc web
`,
  options: {
    filename: { type: 'string', short: 'f', multiple: true },
    'ignore-not-found': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  run,
};
