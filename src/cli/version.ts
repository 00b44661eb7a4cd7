// `switchyard version [--client]` — the CLI's version and, unless --client, the server's (GET
// /version). Runs in the CLI process.
import { readFileSync } from 'node:fs';
import type { Verb } from './verb.ts';

export const CLIENT_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export const versionVerb: Verb = {
  name: 'version',
  summary: 'Print the client and server version',
  help: 'Print the client and server version.\n\nUsage:\n  switchyard version [--client]\n',
  options: { client: { type: 'boolean' } },
  async run(ctx, flags) {
    ctx.out(`Client Version: v${CLIENT_VERSION}\n`);
    if (flags.client) return 0;
    const res = await ctx.client.call('GET', '/version');
    const body = res.body as { gitVersion?: string; switchyard?: string };
    ctx.out(`Server Version: ${body?.switchyard ? `v${body.switchyard}` : body?.gitVersion ?? 'unknown'}\n`);
    return 0;
  },
};
