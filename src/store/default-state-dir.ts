// Where `switchyard serve` keeps its state when no directory is given (XDG base-directory rules).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHYARD_STATE_DIR) return env.SWITCHYARD_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'switchyard');
  return join(env.HOME || homedir(), '.local', 'state', 'switchyard');
}
