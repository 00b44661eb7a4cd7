// `switchyard apply -f PATH… [--dry-run] [--strict]` — kubectl apply (server-side, through PUT):
// prints `service/web created|configured|unchanged`. Invalid objects are reported and make the
// exit code 1 while the valid ones still apply (as kubectl does). Unserved kinds (Deployment…)
// are named on stderr and skipped; with --strict any of them fails the run before anything is
// applied, so a strict run never applies half a manifest set. Runs in the CLI process.
import { ApiError } from '../model/api-error.ts';
import { resourcePath } from './admin-client.ts';
import { formatApiError, UsageError } from './cli-error.ts';
import { readManifestObjects } from './manifest-objects.ts';
import { stringsFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

const OUTCOMES = new Set(['created', 'configured', 'unchanged']);

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  const paths = stringsFlag(flags, 'filename');
  if (paths.length === 0) throw new UsageError('must specify one of -f and -k (switchyard supports -f PATH)', 'apply');
  if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}; apply takes objects only from -f PATH`, 'apply');
  const strict = flags.strict === true;
  const dryRun = flags['dry-run'] === true;
  const items = await readManifestObjects(ctx, paths);
  let failed = false;
  for (const item of items) {
    if (item.status !== 'skipped') continue;
    ctx.err(`${strict ? 'error: ' : ''}${item.label} skipped: ${item.reason}\n`);
    if (strict) failed = true;
  }
  if (failed) {
    ctx.err('error: --strict: nothing was applied; remove the unserved objects or run without --strict\n');
    return 1;
  }
  if (items.length === 0) {
    ctx.err('error: no objects passed to apply\n');
    return 1;
  }
  for (const item of items) {
    if (item.status === 'skipped') continue;
    if (item.status === 'error') { ctx.err(item.message + '\n'); failed = true; continue; }
    try {
      const res = await ctx.client.call('PUT', resourcePath(item.kind, item.namespace, item.name), item.body, dryRun ? { dryRun: 'All' } : undefined);
      const header = res.headers['x-switchyard-outcome'];
      const outcome = typeof header === 'string' && OUTCOMES.has(header) ? header : res.status === 201 ? 'created' : 'configured';
      ctx.out(`${item.label} ${outcome}${dryRun ? ' (dry run)' : ''}\n`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // kubectl names the file for errors other than Invalid (whose text already names the object).
      if (err.reason !== 'Invalid') err.message = `error when applying "${item.source}": ${err.message}`;
      ctx.err(formatApiError(err) + '\n');
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export const applyVerb: Verb = {
  name: 'apply',
  summary: 'Create or update resources from files, directories or stdin',
  help: `Create or update Services, Endpoints, EndpointSlices and Pods from manifests.

Usage:
  switchyard apply -f PATH [-f PATH ...] [--dry-run] [--strict] [-n NAMESPACE]

PATH is a file, a directory (its .yaml, .yml and .json files, recursively) or - for stdin.
Other kinds (Deployment, ConfigMap, ...) are skipped with a note on stderr; --strict makes
that an error and applies nothing.

Examples:
  switchyard apply -f config/
  cat svc.yaml | switchyard apply -f -
`,
  options: {
    filename: { type: 'string', short: 'f', multiple: true },
    'dry-run': { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  run,
};
