// examples/compose: Debian's docker-compose accepts the file (`docker-compose config`, no engine
// needed); the file runs nginx ×3 and switchyard with the socket read-only and the manifests
// mounted; the Service it mounts is valid and selects what a compose `web` container maps to
// (a replica recorded from a real engine, test/fixtures/docker-engine).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { prepareObject } from '../../src/config/prepare-object.ts';
import { containerToPod } from '../../src/discovery/docker-container-pod.ts';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import type { Pod, Service } from '../../src/model/types.ts';
import { recordedInspect } from '../helpers/recorded-docker-engine.ts';

const run = promisify(execFile);
const example = new URL('../../examples/compose/', import.meta.url).pathname;

interface ComposeService { image?: string; build?: unknown; scale?: number; command?: string[]; volumes?: (string | { source: string; target: string; read_only?: boolean })[]; ports?: unknown[] }

test('docker-compose config accepts the example; nginx ×3 and switchyard following the read-only socket', async () => {
  const { stdout } = await run('docker-compose', ['config'], { cwd: example, env: { ...process.env, DOCKER_GID: '998' } });
  const config = parseAllDocuments(stdout)[0].toJS() as { services: Record<string, ComposeService> };
  const { web, switchyard } = config.services;
  assert.match(web.image!, /^nginx:/);
  assert.is(web.scale, 3);
  assert.ok(switchyard.build, 'switchyard is built from the repository');
  assert.equal(switchyard.command, ['--discover', 'docker']);
  const volumes = (switchyard.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`));
  assert.ok(volumes.includes('/var/run/docker.sock:/var/run/docker.sock:ro'), volumes.join(', '));
  assert.ok(volumes.some((v) => v.endsWith(':/etc/switchyard:ro')), volumes.join(', '));
  assert.match(JSON.stringify(switchyard.ports), '30080');
});

test('the mounted Service is valid and selects the compose web replicas', () => {
  const docs = parseAllDocuments(readFileSync(join(example, 'switchyard', 'web-service.yaml'), 'utf8')).map((d) => d.toJS());
  assert.is(docs.length, 1);
  const prepared = prepareObject(docs[0]);
  assert.is(prepared.status, 'ok', JSON.stringify(prepared));
  const svc = (prepared as { object: Service }).object;
  assert.equal(svc.spec.selector, { 'com.docker.compose.service': 'web' });
  assert.is(svc.spec.ports![0].nodePort, 30080);
  svc.spec.clusterIP = '127.96.0.10';
  const mapped = containerToPod(recordedInspect('shop_web_1'), 'shop-web-1', { namespace: 'default', addressMode: 'network' });
  assert.ok('pod' in mapped);
  const slices = computeEndpointSlices(svc, [(mapped as { pod: Pod }).pod], () => true);
  assert.equal(slices.flatMap((s) => s.endpoints!.map((e) => e.targetRef!.name)), ['shop-web-1']);
});

test('the Dockerfile runs the entrypoint that .dockerignore lets into the build context', () => {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  assert.match(dockerfile, /^FROM node:26-slim$/m);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /bin\/container-entrypoint\.sh/);
  const ignore = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8');
  for (const path of ['bin/', 'src/', 'package.json', 'package-lock.json']) assert.match(ignore, `!${path}`);
});

test.run();
