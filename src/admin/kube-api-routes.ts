// The Kubernetes API's own routes on the admin server: /version, discovery (/api, /apis, per
// group-version), OpenAPI v3 (/openapi/v3 and one document per group-version) and the resources
// (serve-resource.ts, and serve-delete-collection.ts for DELETE on a collection). Main thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aggregatedDiscovery, AGGREGATED_DISCOVERY_TYPE, apiGroupDocument, apiGroupList, apiResourceList, apiVersions } from '../api/discovery-documents.ts';
import { openApiDocuments, openApiIndex } from '../api/openapi-document.ts';
import { openApiV2Protobuf } from '../api/openapi-v2-document.ts';
import type { ControlPlaneApi } from '../control/control-plane-api.ts';
import { ApiError } from '../model/api-error.ts';
import type { ListPages } from './list-pages.ts';
import { wantsAggregatedDiscovery } from './negotiate.ts';
import { allowedMethods, resolveResourcePath } from './resource-path.ts';
import { serveDeleteCollection } from './serve-delete-collection.ts';
import { serveResource } from './serve-resource.ts';
import type { WatchOptions } from './serve-watch.ts';
import { methodNotAllowed, sendJson } from './send-json.ts';

export interface KubeApiContext {
  control: ControlPlaneApi;
  /** switchyard's own version (package.json), shown in /version's gitVersion. */
  version: string;
  pages: ListPages;
  watch: WatchOptions;
  now(): number;
  readBody(req: IncomingMessage): Promise<Buffer>;
  /** Sets the Allow header of a 405 the caller is about to send. */
  withAllow(err: ApiError, allow: string[]): ApiError;
}

const READ = ['GET', 'HEAD'];

/** kubectl's client and the server are 1.32: no version-skew warnings. */
export function kubeVersion(version: string): Record<string, string> {
  return {
    major: '1', minor: '32', gitVersion: `v1.32.0+switchyard.${version}`, gitCommit: '', gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'switchyard', platform: `${process.platform}/${process.arch}`,
    switchyard: version, node: process.version,
  };
}

/** Serves `pathname` if it is a Kubernetes API route; false when it is not one. */
export async function serveKubeApi(c: KubeApiContext, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<boolean> {
  const pathname = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  const readOnly = (send: () => void) => {
    if (!READ.includes(method)) throw c.withAllow(methodNotAllowed(method, pathname, READ), READ);
    send();
    return true;
  };
  if (pathname === '/version') return readOnly(() => sendJson(res, 200, kubeVersion(c.version)));
  if (pathname === '/api' || pathname === '/apis') {
    return readOnly(() => {
      if (wantsAggregatedDiscovery(req.headers.accept)) {
        sendJson(res, 200, aggregatedDiscovery(pathname === '/api'), { 'content-type': AGGREGATED_DISCOVERY_TYPE });
      } else if (pathname === '/api') {
        sendJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
      } else {
        sendJson(res, 200, apiGroupList());
      }
    });
  }
  const gv = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(pathname);
  if (gv) {
    const doc = gv[1] ? apiResourceList('', gv[1]) : gv[3] ? apiResourceList(gv[2], gv[3]) : apiGroupDocument(gv[2]);
    if (doc) return readOnly(() => sendJson(res, 200, doc));
  }
  if (pathname === '/openapi/v3') return readOnly(() => sendJson(res, 200, openApiIndex()));
  if (pathname.startsWith('/openapi/v3/')) {
    const doc = openApiDocuments().find((d) => `/openapi/v3/${d.path}` === pathname);
    if (doc) {
      return readOnly(() => {
        const hash = url.searchParams.get('hash');
        if (hash && hash !== doc.hash) {
          // A stale hash moves to the current document, as upstream's handler does.
          res.writeHead(301, { location: `/openapi/v3/${doc.path}?hash=${doc.hash}`, 'content-length': 0 });
          res.end();
          return;
        }
        const cache = hash ? { 'cache-control': 'public, immutable', expires: new Date(Date.now() + 365 * 86_400_000).toUTCString() } : {};
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(doc.body), etag: `"${doc.hash}"`, vary: 'Accept', ...cache });
        res.end(doc.body);
      });
    }
  }
  if (pathname === '/openapi/v2') {
    // kubectl (before 1.27 always, later only when v3 lacks a kind) asks for the protobuf form only;
    // it is served as upstream serves it, application/octet-stream (Go cannot parse the `@` of the
    // media type kubectl asks for).
    return readOnly(() => {
      const body = openApiV2Protobuf();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: `"${openApiDocuments()[0].hash.slice(0, 32)}"` });
      res.end(body);
    });
  }
  const path = resolveResourcePath(pathname);
  if (!path) return false;
  const methods = allowedMethods(path);
  if (!methods.includes(method)) throw c.withAllow(methodNotAllowed(method, pathname, methods), methods);
  const request = {
    control: c.control, method, path, query: url.searchParams, req, res, pages: c.pages, watch: c.watch, now: c.now,
    body: () => c.readBody(req),
  };
  await (method === 'DELETE' && path.name === undefined ? serveDeleteCollection(request) : serveResource(request));
  return true;
}
