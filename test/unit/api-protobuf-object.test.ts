// Protobuf request bodies of client-go's typed clients (API spec §1.4), decoded to the JSON objects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PatchError } from '../../src/api/patch-error.ts';
import { decodeProtobufObject } from '../../src/api/protobuf-object.ts';
import { ProtoWriter } from '../../src/api/protobuf-writer.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s).toString('hex');

test('the body kubectl create namespace sends (observed bytes)', () => {
  const body = hex(`6b387300 0a0f 0a02${str('v1')} 1209${str('Namespace')}
    121e 0a16 0a06${str('team-a')} 1200 1a00 2200 2a00 3200 3800 4200 1200 1a02 0a00 1a00 2200`);
  assert.equal(decodeProtobufObject(body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
});

test('a Service: labels, selector, ports with int and named targetPorts, type', () => {
  const varint = (field: number, n: number) => Buffer.from([field << 3, ...(n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7])]);
  const msg = (build: (w: ProtoWriter) => void) => { const w = new ProtoWriter(); build(w); return w.finish(); };
  const entry = (k: string, v: string) => msg((w) => w.string(1, k).string(2, v));
  const port = (name: string, protocol: string, number: number, target: Uint8Array) => Buffer.concat([
    msg((w) => w.string(1, name).string(2, protocol)), varint(3, number), msg((w) => w.bytes(4, target))]);
  const raw = msg((w) => w
    .message(1, (m) => m.string(1, 'web').bytes(11, entry('app', 'web')))
    .bytes(2, msg((sp) => sp
      .bytes(1, port('main', 'TCP', 80, Buffer.concat([varint(1, 0), varint(2, 4000)])))
      .bytes(1, port('', 'UDP', 53, Buffer.concat([varint(1, 1), msg((t) => t.string(3, 'http'))])))
      .bytes(2, entry('app', 'web'))
      .string(4, 'NodePort'))));
  const body = Buffer.concat([Buffer.from('k8s\0'), msg((w) => w.message(1, (t) => t.string(1, 'v1').string(2, 'Service')).bytes(2, raw))]);
  assert.equal(decodeProtobufObject(body), {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { ports: [{ name: 'main', protocol: 'TCP', port: 80, targetPort: 4000 }, { protocol: 'UDP', port: 53, targetPort: 'http' }], selector: { app: 'web' }, type: 'NodePort' },
  });
});

test('other kinds and broken bodies are refused', () => {
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Service"}')), (e: Error) => e instanceof PatchError);
  const typeMeta = `0a02${str('v1')}1203${str('Pod')}`;
  assert.throws(() => decodeProtobufObject(hex(`6b387300 0a${(typeMeta.length / 2).toString(16).padStart(2, "0")}${typeMeta}`)), /v1 Namespace and Service only/);
  assert.throws(() => decodeProtobufObject(hex('6b387300 0aff')), /truncated/);
});

test.run();
