// Every SY_ code switchyard reports, with what it means and what to do about it. docs/error-codes.md
// is generated from this table (node_modules/.bin/node scripts/error-codes.ts), and
// test/unit/error-codes.test.ts fails when that page is stale or when a 'SY_…' literal anywhere in
// src/ is missing here. Codes are stable: a code once shipped keeps its meaning. Errno names
// (EADDRINUSE…) are not SY_ codes: an error carries one beside its code (SyError's `systemCode`).
// Pure.

export const ERROR_CODES = {
  SY_ADMIN_INSECURE: 'The admin API would listen on a non-loopback address without a bearer token: bind a loopback address (`serve --admin 127.0.0.1:PORT`) or require a token (`serve --token-file FILE`).',
  SY_ADMIN_TOKEN: 'The admin token is empty or contains whitespace: put one token, without spaces, in the `serve --token-file` file.',
  SY_ALREADY_EXISTS: 'A create named an object that exists already: apply (or replace) it to change it, or delete it first.',
  SY_APPLY_CONFLICT: "A server-side apply would change fields another field manager owns with other values; the message lists them: take them over with `kubectl apply --server-side --force-conflicts`, drop them from your manifest, or set them to the current values.",
  SY_BAD_BODY: 'The request body is not one Kubernetes object (a list, a scalar, or metadata without name and namespace): send one object.',
  SY_BAD_CONTINUE: "A list's `continue` token is not one this server handed out: start the list again without it.",
  SY_BAD_DRY_RUN: 'The dryRun query parameter has a value other than `All`.',
  SY_BAD_ENCODING: 'The request body is not valid UTF-8.',
  SY_BAD_FLAG: 'A `switchyard serve` flag has a value it cannot use; the message names the flag and the form it expects.',
  SY_BAD_HTTP: 'The admin API could not parse the HTTP request (malformed, or headers too large).',
  SY_BAD_JSON: 'The request body is not valid JSON; the message has the parser\'s position.',
  SY_BAD_PATCH: "A patch could not be applied (a JSON patch `test` failed, a path is missing, a merge key or directive is wrong); the message says which.",
  SY_BAD_PATH: 'The request path is malformed (bad percent-encoding, or a target that is not a path).',
  SY_BAD_PROTOBUF: "A protobuf request body could not be decoded, or is of a kind other than Namespace and Service: send JSON (`kubectl apply -f`).",
  SY_BAD_QUERY: "A query parameter has a value the Kubernetes API does not define (limit, includeObject, fieldValidation, fieldManager, force...); the message lists the valid ones.",
  SY_BAD_RESOURCE_VERSION: "A resourceVersion is not one this server hands out (a decimal number): use the one from an object or a list.",
  SY_BAD_SELECTOR: 'A labelSelector or fieldSelector uses a form switchyard does not support; the message lists the supported ones.',
  SY_BAD_STATUS_QUERY: '`/status.json` got a history query it cannot use: `since` must be milliseconds since the epoch (0 for all history kept), `service`, `full` name Services as NAMESPACE/NAME, and `service`, `series`, `endpoints`, `full` need `since`.',
  SY_BAD_YAML: 'The request body is not valid YAML; the message has the parser\'s position.',
  SY_BENCH_NO_ENDPOINTS: '`switchyard bench`: the Service port has no ready endpoints; check its selector and Pods (`switchyard describe svc NAME`).',
  SY_BENCH_PORT: '`switchyard bench`: the Service has several ports, or not the one asked for; choose one with `--port`.',
  SY_BENCH_PROTOCOL: '`switchyard bench`: the chosen Service port is not TCP; bench loads TCP ports only.',
  SY_BENCH_TARGET: '`switchyard bench`: the Service is not balanced by switchyard (ExternalName or headless), so there is nothing to load.',
  SY_BENCH_UNREACHABLE: '`switchyard bench`: no address of the Service accepts connections; check that the server\'s data plane listens on it.',
  SY_BODY_READ: 'Reading the request body failed: the client closed the connection or the stream broke.',
  SY_BODY_TOO_LARGE: 'The request body is over the admin API\'s size limit: send one object per request.',
  SY_CLI_USAGE: 'The CLI was called wrongly (unknown verb or flag, missing or extra argument); the message and `--help` say how.',
  SY_CLUSTER_IP_RANGE_FULL: 'No free ClusterIP is left in the service CIDR: delete unused Services, or restart `switchyard serve` with a larger `--service-cidr`.',
  SY_CONFLICT: "The object changed since the resourceVersion (or uid) the request was based on: read it again and retry, as kubectl does.",
  SY_CONTINUE_EXPIRED: "A list's `continue` token outlived its snapshot (kept five minutes): start the list again.",
  SY_DEMO_BACKENDS: 'The demo backends of the bundled example could not start (the example Service is missing, or its port is taken); the server runs without them.',
  SY_DISCOVERED_READ_ONLY: 'A write named a Pod that discovery (Docker) keeps: it follows its container and is read-only through the API; change the container (stop, scale, relabel) instead.',
  SY_DNS_ADDRESS: 'The DNS responder cannot be served where `serve --dns` asks (not off, IP, IP:PORT, [IPv6]:PORT or :PORT, or the service CIDR has no .10): the message says what to give instead.',
  SY_DNS_FORWARD: 'A `serve --dns-forward` upstream is not IP, IP:PORT or [IPv6]:PORT.',
  SY_DNS_OFF: '`switchyard resolv-conf`: the server runs no DNS responder (started with `--dns off`); start it without `--dns off`.',
  SY_DOCKER_API: 'The Docker Engine API answered an error or could not be reached; discovery keeps the last known Pods and retries (check DOCKER_HOST and the engine).',
  SY_DOCKER_HOST: 'DOCKER_HOST is not a form switchyard can use: give unix:///path/to/docker.sock or tcp://host:port (TLS is not supported).',
  SY_DOCKER_LOST: 'The Docker Engine\'s event stream or a container inspect failed while listing; discovery reconnects with back-off and lists again.',
  SY_DRAINING: 'A listener was requested from a data plane that is shutting down; it was not bound.',
  SY_EMPTY_BODY: 'The request has no body: send one JSON or YAML object.',
  SY_EXPOSE_NO_SELECTOR: '`switchyard expose` found no selector to copy (no such Service or Pod, or it has none): pass `--selector key=value`.',
  SY_FIELD_MANAGER_REQUIRED: "A server-side apply (application/apply-patch+yaml) came without the `fieldManager` query parameter: name the manager.",
  SY_FQDN_NO_ADDRESS: 'A host name of an FQDN EndpointSlice or Endpoints resolved to no address; the Service keeps its last addresses and the name is tried again.',
  SY_INTERNAL: 'A bug in switchyard: a check of its own failed, or an admin API handler threw; the message (and the server log, for the admin API) says where.',
  SY_INVALID: 'The object failed validation; the message names each field and what it must be (Kubernetes `Invalid`).',
  SY_INVALID_CIDR: 'A loadBalancerSourceRanges entry is not an address with an optional prefix length (e.g. 10.0.0.0/8).',
  SY_INVALID_WEIGHT: 'An endpoint weight is not an integer between 0 and 65535: a bug in switchyard (annotations are clamped before).',
  SY_KIND_NOT_SERVED: 'The object\'s kind is not one switchyard serves (Service, Endpoints, EndpointSlice, Pod); it was skipped.',
  SY_LB_POOL: 'The LoadBalancer address pool is not an IPv4 CIDR between /8 and /30: fix `switchyard serve --lb-pool`.',
  SY_LISTEN_FAILED: 'A listener could not be bound; its errno (EADDRINUSE, EACCES, EADDRNOTAVAIL…) says why, and the Service\'s events say what to do.',
  SY_MANIFEST_SYNTAX: 'A manifest is not valid YAML or JSON (or a List\'s items are not a list); the message names the file and line.',
  SY_METHOD_NOT_ALLOWED: 'The HTTP method is not allowed on this admin API path; the Allow header lists those that are.',
  SY_METRICS_FORMAT: '`switchyard bench` could not read the server\'s /metrics as Prometheus text; is `--server` a switchyard admin address of the same version?',
  SY_MULTIPLE_DOCUMENTS: 'The request body holds several YAML documents: send one object per request (`switchyard apply` splits manifests).',
  SY_NAMESPACE_BUILT_IN: "The default and kube-system namespaces always exist and cannot be deleted.",
  SY_NODE_PORT_RANGE: 'The NodePort range is not FIRST-LAST within 1-65535: fix `switchyard serve --node-port-range`.',
  SY_NODE_PORT_RANGE_FULL: 'No free NodePort is left: delete unused NodePort/LoadBalancer Services, or restart `switchyard serve` with a wider `--node-port-range`.',
  SY_NOT_FOUND: 'No object by that name (or no admin API path like that).',
  SY_PATH_NOT_FOUND: 'A `-f` path does not exist.',
  SY_REQUEST_TIMEOUT: 'The client took too long to send its request to the admin API.',
  SY_RESOURCE_VERSION_EXPIRED: "A read asked for exactly a resourceVersion the server no longer serves (resourceVersionMatch=Exact): read the current one.",
  SY_RESOURCE_VERSION_TOO_LARGE: "A read asked for a resourceVersion newer than any the server has numbered: use one it handed out.",
  SY_SERVER: 'The admin API answered an error without a Status body (something else may be listening there); the message has the HTTP status.',
  SY_SERVER_UNREACHABLE: 'The CLI could not reach the admin API: is `switchyard serve` running, and do `--server` / SWITCHYARD_SERVER point at it?',
  SY_SERVICE_CIDR: 'The service CIDR is not a CIDR, or leaves no address for Services: fix `switchyard serve --service-cidr`.',
  SY_SHUTTING_DOWN: 'The control plane is shutting down and takes no more writes: retry once the server is back.',
  SY_STORE_CLOSED: 'The store was used after it was closed: a bug in switchyard.',
  SY_STORE_COMPACTED: "The change history no longer reaches back to the revision asked for (kept 5 minutes, at least the newest 1,000 changes): the API answers 410 Expired and clients list again.",
  SY_STORE_CONFLICT: "Another writer changed the object since it was read (the store's revision check): the API answers 409 Conflict; retry.",
  SY_STORE_CORRUPT: 'The state file is damaged or not a switchyard store: move it aside (the message names it) to start with an empty store.',
  SY_STORE_FENCED: 'A controller write was refused because this instance no longer holds the leader lease (another instance leads now); nothing to do: the new leader writes what the controllers compute.',
  SY_STORE_LOCKED: 'Another switchyard process holds the state file: stop it, or give this one another `--state-dir`.',
  SY_STORE_UNAVAILABLE: 'The etcd store did not answer in time (no majority of its members reachable): the change was not made unless it shows up once etcd is back; check the etcd cluster, then retry.',
  SY_STORE_UNREADABLE: 'The state file cannot be opened or read (permissions, not a regular file, no file locking); the message says which.',
  SY_STORE_URL: '`serve --store` names no usable store, or an etcd TLS file cannot be read: use `sqlite` or `etcd://HOST:PORT[,HOST:PORT...][/PREFIX]` (`etcds://` for TLS), and readable `--etcd-cacert/--etcd-cert/--etcd-key` files.',
  SY_STORE_VERSION: 'The state file was written by a newer switchyard: run that version, or move the file aside.',
  SY_STORE_WRITE: 'A change could not be committed to the state file (disk full, I/O error); nothing was changed.',
  SY_TABLE_FULL: 'The shared endpoint table has no free endpoint slot or Service-port region for the change; it was not applied.',
  SY_TABLE_LAYOUT: 'A shared buffer is not the endpoint table or worker ledger this version lays out: a bug in switchyard.',
  SY_TABLE_SIZE: 'An endpoint table size is outside its bounds.',
  SY_TOKEN_FILE: 'The CLI cannot read its `--token-file` (or SWITCHYARD_TOKEN_FILE), or the file is empty.',
  SY_TOO_DEEP: 'The request body nests deeper than any Kubernetes object does.',
  SY_UDP_UNAVAILABLE: 'This Node does not offer the UDP binding the data plane is built on (`process.binding(\'udp_wrap\')`), so UDP listeners cannot be bound: run the Node the project pins (`npm ci`).',
  SY_UNAUTHORIZED: 'The admin API requires the bearer token from the server\'s token file: give the CLI `--token-file`.',
  SY_UNKNOWN_ALGORITHM: 'A balancing algorithm name (annotation or `--lb-algorithm`) is not one switchyard has; the message lists them.',
  SY_UNKNOWN_FIELD: "With fieldValidation=Strict (kubectl's default), the body has a field its kind does not define; the message names it: fix the manifest, or apply with `--validate=false`.",
  SY_UNKNOWN_SERVICE_PORT: 'An endpoint update named a Service-port region that is not allocated: a bug in switchyard.',
  SY_UNSUPPORTED_ENCODING: 'The request body is compressed (Content-Encoding): send it uncompressed.',
  SY_UNSUPPORTED_MEDIA_TYPE: 'The Content-Type, charset or patch type is not one the admin API takes; the message lists those it does.',
  SY_URL_MISMATCH: 'The body\'s kind, apiVersion, namespace or name disagrees with the request path.',
  SY_WATCH_EXPIRED: "A watch started from a resourceVersion older than the change history (410 Expired): list again and watch from the list's resourceVersion, as informers do.",
  SY_WORKER_START_FAILED: 'A data-plane worker failed to start five times in a row: check that Node.js is 24 or newer and the install is complete (`npm ci`); the log has each failure.',
} as const satisfies Record<`SY_${string}`, string>;

/** A code of the catalogue. */
export type SyErrorCode = keyof typeof ERROR_CODES;

/**
 * What an error's `code` may be: any SY_ code. Deliberately wider than SyErrorCode, so that code
 * naming a new code compiles before the code is added here; the catalogue test then names it.
 * What it keeps out is an errno name (EADDRINUSE…) or any other text posing as a code.
 */
export type SyCode = `SY_${string}`;

export function isSyCode(value: unknown): value is SyCode {
  return typeof value === 'string' && /^SY_[A-Z0-9_]+$/.test(value);
}
