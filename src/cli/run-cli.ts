// Parses the command line and runs one verb: global flags (--server, --token-file, -n, -A) are
// accepted anywhere, verb flags are checked strictly, and every failure becomes one kubectl-style
// message and exit code 1. `serve` is handed its raw arguments. Runs in the CLI process.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { AdminClient, DEFAULT_SERVER } from './admin-client.ts';
import { formatCliError, UsageError } from './cli-error.ts';
import { applyVerb } from './apply.ts';
import { benchVerb } from './bench.ts';
import { deleteVerb } from './delete.ts';
import { describeVerb } from './describe.ts';
import { envVerb } from './env.ts';
import { resolvConfVerb } from './resolv-conf.ts';
import { exposeVerb } from './expose.ts';
import { getVerb } from './get.ts';
import { kubeconfigVerb } from './kubeconfig.ts';
import { helpVerb, registerVerbs, topLevelHelp } from './help.ts';
import { versionVerb } from './version.ts';
import { topVerb } from './top.ts';
import { readTokenFile } from './token-file.ts';
import type { CliContext, FlagValues, Verb } from './verb.ts';

export const VERBS: Verb[] = [applyVerb, getVerb, describeVerb, deleteVerb, exposeVerb, envVerb, resolvConfVerb, kubeconfigVerb, benchVerb, topVerb, versionVerb, helpVerb];
registerVerbs(VERBS);

export const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  help: { type: 'boolean', short: 'h' },
};

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
  now?(): number;
}

/** Rewrites node:util parseArgs errors into kubectl's wording. */
function flagError(err: unknown, verb: string): UsageError {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown flag: ${quoted}`, verb);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
    return /argument missing/.test(e.message ?? '')
      ? new UsageError(`flag needs an argument: ${flag}`, verb)
      : new UsageError(`flag ${flag} does not take a value`, verb);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument: ${quoted}`, verb);
  return new UsageError(e.message ?? String(err), verb);
}

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [word, ...rest] = argv;
  if (word === 'serve') {
    // The lead's serve.ts is loaded only for this verb, so the client verbs never pay for it.
    let mod: { serve(argv: string[]): Promise<number> };
    try {
      mod = await import(new URL('./serve.ts', import.meta.url).href);
    } catch (err) {
      io.err(formatCliError(err) + '\n');
      return 1;
    }
    return mod.serve(rest);
  }
  let client: AdminClient | undefined;
  try {
    if (word === undefined || word === '--help' || word === '-h') {
      io.out(topLevelHelp(VERBS));
      return 0;
    }
    const verb = VERBS.find((v) => v.name === word);
    if (!verb) {
      if (word.startsWith('-')) throw new UsageError(`a command must come first (got the flag ${JSON.stringify(word)})`);
      throw new UsageError(`unknown command "${word}" for "switchyard"`);
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...verb.options }, allowPositionals: true, strict: true });
    } catch (err) {
      throw flagError(err, verb.name);
    }
    const flags = parsed.values as FlagValues;
    if (flags.help) {
      io.out(verb.help);
      return 0;
    }
    const namespace = typeof flags.namespace === 'string' ? flags.namespace : undefined;
    if (namespace === '') throw new UsageError('the namespace given with -n must not be empty', verb.name);
    const server = (typeof flags.server === 'string' ? flags.server : undefined) ?? io.env.SWITCHYARD_SERVER ?? DEFAULT_SERVER;
    try {
      new URL(server);
    } catch {
      throw new UsageError(`--server ${JSON.stringify(server)} is not a URL; give one like ${DEFAULT_SERVER}`, verb.name);
    }
    const tokenFile = typeof flags['token-file'] === 'string' ? flags['token-file'] : io.env.SWITCHYARD_TOKEN_FILE;
    client = new AdminClient({ server, token: tokenFile ? readTokenFile(tokenFile) : undefined });
    const ctx: CliContext = {
      client, namespace: namespace ?? 'default', namespaceExplicit: namespace !== undefined,
      allNamespaces: flags['all-namespaces'] === true,
      out: io.out, err: io.err, now: io.now ?? Date.now, readStdin: io.readStdin,
    };
    return await verb.run(ctx, flags, parsed.positionals);
  } catch (err) {
    io.err(formatCliError(err) + '\n');
    return 1;
  } finally {
    await client?.close();
  }
}
