// Decodes the protobuf request bodies client-go's typed clients send (API spec §1.4): the
// `k8s\0` envelope around a runtime.Unknown, and the Namespace and Service messages inside it —
// what `kubectl create namespace` and `kubectl create service` write. Fields switchyard does not
// read are skipped; other kinds are refused. Pure; any thread.
import { PatchError } from './patch-error.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Every field of one message: number → its raw values (varints as numbers, the rest as bytes). */
function fields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new PatchError('truncated protobuf varint');
      const b = buf[i++];
      n += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return n;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new PatchError('truncated protobuf field');
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) { value = buf.subarray(i, i + 8); i += 8; }
    else if (wire === 5) { value = buf.subarray(i, i + 4); i += 4; }
    else throw new PatchError(`unsupported protobuf wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(value);
  }
  return out;
}

const text = (v: number | Uint8Array | undefined) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined);
const one = (f: Map<number, (number | Uint8Array)[]>, n: number) => f.get(n)?.[0];
const bytes = (f: Map<number, (number | Uint8Array)[]>, n: number) => (one(f, n) as Uint8Array | undefined) ?? new Uint8Array();
const str = (f: Map<number, (number | Uint8Array)[]>, n: number) => text(one(f, n)) || undefined;
const strs = (f: Map<number, (number | Uint8Array)[]>, n: number) => (f.get(n) ?? []).map(text).filter((s): s is string => !!s);

function stringMap(f: Map<number, (number | Uint8Array)[]>, n: number): Record<string, string> | undefined {
  const entries = f.get(n) ?? [];
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e as Uint8Array);
    out[text(one(kv, 1)) ?? ''] = text(one(kv, 2)) ?? '';
  }
  return out;
}

function objectMeta(buf: Uint8Array): Record<string, unknown> {
  const f = fields(buf);
  const meta: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => { if (v !== undefined) meta[k] = v; };
  set('name', str(f, 1));
  set('generateName', str(f, 2));
  set('namespace', str(f, 3));
  set('labels', stringMap(f, 11));
  set('annotations', stringMap(f, 12));
  return meta;
}

function servicePort(buf: Uint8Array): Record<string, unknown> {
  const f = fields(buf);
  const port: Record<string, unknown> = {};
  if (str(f, 1)) port.name = str(f, 1);
  if (str(f, 2)) port.protocol = str(f, 2);
  if (one(f, 3) !== undefined) port.port = one(f, 3);
  if (f.has(4)) {
    const t = fields(bytes(f, 4));
    port.targetPort = one(t, 1) === 1 ? text(one(t, 3)) ?? '' : (one(t, 2) as number | undefined) ?? 0;
  }
  if (one(f, 5)) port.nodePort = one(f, 5);
  if (str(f, 6)) port.appProtocol = str(f, 6);
  return port;
}

function serviceSpec(buf: Uint8Array): Record<string, unknown> {
  const f = fields(buf);
  const spec: Record<string, unknown> = {};
  const ports = (f.get(1) ?? []).map((p) => servicePort(p as Uint8Array));
  if (ports.length) spec.ports = ports;
  const selector = stringMap(f, 2);
  if (selector) spec.selector = selector;
  if (str(f, 3)) spec.clusterIP = str(f, 3);
  if (str(f, 4)) spec.type = str(f, 4);
  if (strs(f, 5).length) spec.externalIPs = strs(f, 5);
  if (str(f, 7)) spec.sessionAffinity = str(f, 7);
  if (str(f, 10)) spec.externalName = str(f, 10);
  if (strs(f, 18).length) spec.clusterIPs = strs(f, 18);
  return spec;
}

export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';

/** The JSON object a `application/vnd.kubernetes.protobuf` body holds (Namespace or Service). */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || !MAGIC.equals(Buffer.from(body.subarray(0, 4)))) throw new PatchError('the body does not start with the k8s protobuf envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(bytes(unknown, 1));
  const apiVersion = text(one(typeMeta, 1)) ?? '';
  const kind = text(one(typeMeta, 2)) ?? '';
  const raw = fields(bytes(unknown, 2));
  if (apiVersion === 'v1' && kind === 'Namespace') return { apiVersion, kind, metadata: objectMeta(bytes(raw, 1)) };
  if (apiVersion === 'v1' && kind === 'Service') return { apiVersion, kind, metadata: objectMeta(bytes(raw, 1)), spec: serviceSpec(bytes(raw, 2)) };
  throw new PatchError(`protobuf bodies are read for v1 Namespace and Service only, not ${apiVersion} ${kind}; send JSON (kubectl apply -f)`);
}
