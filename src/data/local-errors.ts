// Errors of this machine, not of the endpoint: out of descriptors (process or system), of socket
// buffers or memory, or of local ports and addresses to send from. A connect or send failing with
// one says nothing about the endpoint, so it is never counted toward passive health (which would
// eject healthy backends for it) and never retried on another endpoint (which would fail the same
// way). Any thread.
import { constants } from 'node:os';

export const LOCAL_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);

/** The same as the raw handles return them: libuv's error numbers, -errno on Unix. */
const LOCAL_UV_ERRORS: ReadonlySet<number> = new Set([...LOCAL_ERRORS].map((name) => -(constants.errno as Record<string, number>)[name]));

export const isLocalUvError = (err: number): boolean => LOCAL_UV_ERRORS.has(err);
