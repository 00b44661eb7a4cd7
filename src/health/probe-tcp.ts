// kubelet's tcpSocket probe (pkg/probe/tcp): success iff a TCP connection opens within the timeout;
// the connection is closed at once. Main thread.
// Note: a SIGSTOPped backend still completes handshakes (the kernel accepts into the listen
// backlog), so TCP probes — including the implicit ones — only notice a process that has exited
// or stopped listening; an httpGet probe notices a hung one.
import net from 'node:net';
import { dialErrorText, failed, inconclusive, isLocalError, type ProbeOutcome } from './probe-outcome.ts';

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const socket = net.connect({ host, port });
    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // resetAndDestroy sends RST instead of FIN: no TIME_WAIT piles up at 1,000 probes a second.
      if (typeof socket.resetAndDestroy === 'function' && !socket.connecting) socket.resetAndDestroy();
      else socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(failed(dialErrorText(host, port, undefined, true))), timeoutMs);
    socket.once('connect', () => finish({ ok: true, message: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(isLocalError(err.code) ? inconclusive(err.code!) : failed(dialErrorText(host, port, err))));
  });
}
