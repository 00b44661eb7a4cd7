// The result of one probe and the Go-style error texts kubelet's events carry, so `describe pod`
// reads like it does on a cluster (`Readiness probe failed: dial tcp 10.0.0.5:8080: connect:
// connection refused`). Pure; main thread (the health loop is the only user).
import { joinHostPort } from '../model/ip-address.ts';

export interface ProbeOutcome {
  ok: boolean;
  /** The probe could not be run for want of this machine's resources (descriptors, buffers, local
   *  ports): it says nothing about the endpoint and is not counted, either way. */
  inconclusive?: boolean;
  /** Failure: the event text, `Readiness probe failed: …` / `Readiness probe errored: …`. Success: the output, if any. */
  message: string;
}

/** kubelet formats `"%s probe failed: %s"` with the probe type; switchyard runs readiness probes only. */
export const failed = (output: string): ProbeOutcome => ({ ok: false, message: `Readiness probe failed: ${output}` });
/** The prober itself could not run the probe (kubelet: `"%s probe errored: %v"`); counts as a failure. */
export const errored = (why: string): ProbeOutcome => ({ ok: false, message: `Readiness probe errored: ${why}` });

/** Errors of this machine, not of the endpoint: out of descriptors, buffers, memory, processes or
 *  local ports. A probe failing with one is inconclusive. */
const LOCAL_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL', 'EAGAIN']);
export const isLocalError = (code: string | undefined): boolean => code !== undefined && LOCAL_ERRORS.has(code);

/** A probe this machine could not run; not counted for or against the endpoint. */
export const inconclusive = (code: string): ProbeOutcome => ({
  ok: false, inconclusive: true,
  message: `Readiness probe errored: ${code}: this machine is short of resources (descriptors, buffers or local ports); the result is not counted`,
});

// errno → the text Go's syscall.Errno prints, which is what kubelet's messages contain.
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'broken pipe',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** `dial tcp 127.0.0.1:8081: connect: connection refused`, or `…: i/o timeout` when `timedOut`. */
export function dialErrorText(host: string, port: number, err: NodeJS.ErrnoException | undefined, timedOut = false): string {
  const addr = `dial tcp ${joinHostPort(host, port)}`;
  if (timedOut) return `${addr}: i/o timeout`;
  if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') return `${addr}: lookup ${host}: no such host`;
  const text = err?.code ? ERRNO_TEXT[err.code] : undefined;
  if (text) return `${addr}: ${err?.syscall === 'read' ? 'read' : 'connect'}: ${text}`;
  return `${addr}: ${err?.message ?? 'unknown error'}`;
}
