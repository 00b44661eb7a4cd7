// What every CLI verb is: its flags (node:util parseArgs options), its help, and a run function
// over a CliContext. Runs in the CLI process.
import type { ParseArgsOptionsConfig } from 'node:util';
import type { AdminClient } from './admin-client.ts';

export interface CliContext {
  client: AdminClient;
  /** `-n`, else `default`. */
  namespace: string;
  /** Whether `-n` was given (apply refuses objects from another namespace only then). */
  namespaceExplicit: boolean;
  allNamespaces: boolean;
  out(text: string): void;
  err(text: string): void;
  /** ms since the epoch; injected so printers can be tested with a fixed clock. */
  now(): number;
  readStdin(): Promise<string>;
}

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Verb {
  name: string;
  /** One line for `switchyard help`. */
  summary: string;
  /** Full help text printed by `switchyard VERB --help`. */
  help: string;
  options: ParseArgsOptionsConfig;
  run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number>;
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringsFlag(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}
