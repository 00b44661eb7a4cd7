// Response writers for the admin API: JSON bodies and Kubernetes Status errors. Main thread.
import type { ServerResponse } from 'node:http';
import { ApiError } from '../model/api-error.ts';
import { truncateForMessage } from '../model/truncate.ts';

/** Writes `body` as JSON. No-op when the response already went out (client gone, or a 413 in flight). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed || res.socket?.writable === false) return;
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    ...headers,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Writes an ApiError as its Status object, with the HTTP code the Status names. */
export function sendApiError(res: ServerResponse, err: ApiError, headers: Record<string, string | string[]> = {}): void {
  sendJson(res, err.httpStatus, err.toStatus(), headers);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed || res.socket?.writable === false) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function notFoundPath(path: string): ApiError {
  return new ApiError(404, 'NotFound', 'SY_NOT_FOUND', `the server could not find the requested resource (path ${JSON.stringify(truncateForMessage(path))})`);
}

export function methodNotAllowed(method: string, path: string, allow: string[]): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'SY_METHOD_NOT_ALLOWED',
    `the server does not allow method ${truncateForMessage(method, 32)} on ${JSON.stringify(truncateForMessage(path))}; allowed: ${allow.join(', ')}`);
}
