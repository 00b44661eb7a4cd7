// The real kubectl (v1.32; Debian's kubernetes-client where the machine has none) run against a
// switchyard admin API through a kubeconfig `switchyard kubeconfig` printed. Every run has its own
// scratch --cache-dir under `work`, so no discovery or OpenAPI cache leaks between runs or files.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export interface KubectlRun { code: number; stdout: string; stderr: string }

export type Kubectl = (args: string[], stdin?: string) => Promise<KubectlRun>;

export function kubectlRunner(kubeconfigPath: () => string, work: () => string): Kubectl {
  let runs = 0;
  return (args, stdin) => new Promise((resolve) => {
    const cache = join(work(), `kubectl-cache-${++runs}`);
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfigPath() };
    delete env.FORCE_COLOR;
    delete env.NO_COLOR;
    const child = spawn(KUBECTL, ['--cache-dir', cache, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: String(err) }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    child.stdin.end(stdin ?? '');
  });
}
