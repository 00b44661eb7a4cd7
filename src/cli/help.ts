// `switchyard help [VERB]` and the top-level usage text. Runs in the CLI process.
import { UsageError } from './cli-error.ts';
import type { Verb } from './verb.ts';

export function topLevelHelp(verbs: Verb[]): string {
  const lines = [
    'switchyard — a Layer-4 load balancer that runs the Kubernetes Service model on one machine.',
    '',
    'Usage:',
    '  switchyard COMMAND [flags]',
    '',
    'Commands:',
    `  ${'serve'.padEnd(10)}Run the control plane, data plane and admin API`,
    ...verbs.map((v) => `  ${v.name.padEnd(10)}${v.summary}`),
    '',
    'Global flags:',
    '  --server URL        admin API address (env SWITCHYARD_SERVER, default http://127.0.0.1:10249)',
    '  --token-file PATH   file holding the admin API bearer token (env SWITCHYARD_TOKEN_FILE)',
    '  -n, --namespace NS  namespace to work in (default "default")',
    '  -A, --all-namespaces  list across every namespace (get, describe)',
    '',
    "Use 'switchyard COMMAND --help' for more about a command.",
    '',
  ];
  return lines.join('\n');
}

// The verb list is passed in at run time (run-cli.ts owns it), which avoids an import cycle.
let registered: Verb[] = [];
export function registerVerbs(verbs: Verb[]): void {
  registered = verbs;
}

export const helpVerb: Verb = {
  name: 'help',
  summary: 'Help about any command',
  help: 'Usage:\n  switchyard help [COMMAND]\n',
  options: {},
  async run(ctx, _flags, args) {
    if (args.length === 0) { ctx.out(topLevelHelp(registered)); return 0; }
    if (args[0] === 'serve') {
      ctx.out("Run 'switchyard serve --help' for the server's flags.\n");
      return 0;
    }
    const verb = registered.find((v) => v.name === args[0]);
    if (!verb) throw new UsageError(`unknown command "${args[0]}" for "switchyard"`);
    ctx.out(verb.help);
    return 0;
  },
};
