// Reads an admin API request body under a byte limit. Main thread.
// Bodies are small manifests; anything larger is refused as soon as it is known to be too big,
// without buffering the excess.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../model/api-error.ts';

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', 'SY_BODY_TOO_LARGE',
    `the request body is larger than ${limit} bytes; split the manifest and send one object per request`);
}

/** Resolves with the whole body, or rejects with 413 (over `limit`) / 400 (client aborted, bad encoding). */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(new ApiError(415, 'UnsupportedMediaType', 'SY_UNSUPPORTED_ENCODING',
      `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`));
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        // Stop pulling from the socket; the caller answers 413 and closes the connection.
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks, size)); };
    const fail = (why: string) => { cleanup(); reject(new ApiError(400, 'BadRequest', 'SY_BODY_READ', `reading the request body failed: ${why}`)); };
    const onError = (err: Error) => fail(err.message);
    const onAborted = () => fail('the client closed the connection');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
