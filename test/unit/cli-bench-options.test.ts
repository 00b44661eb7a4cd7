// `switchyard bench` argument parsing (through the real command line where a server is not
// needed) and the pure parts of resolving its target: port choice and endpoints from slices.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from 'node:util';
import { BENCH_FLAGS, parseBenchOptions } from '../../src/cli/bench/bench-options.ts';
import { endpointsFromSlices, selectServicePort } from '../../src/cli/bench/bench-target.ts';
import { runCli } from '../../src/cli/run-cli.ts';
import type { EndpointSlice, Service } from '../../src/model/types.ts';

function parse(argv: string[], namespace = 'default') {
  const p = parseArgs({ args: argv, options: BENCH_FLAGS, allowPositionals: true, strict: true });
  return parseBenchOptions(p.values, p.positionals, namespace);
}

test('defaults: http, 10 connections, 10 s, path /, direct run on, text output', () => {
  assert.equal(parse(['web']), {
    service: 'web', namespace: 'default', port: undefined, mode: 'http', path: '/', output: 'text',
    connections: 10, durationSeconds: 10, rate: undefined, closeEachRequest: false, direct: true,
  });
});

test('every flag, long and short', () => {
  const o = parse(['web', '--port', 'http', '-c', '64', '-d', '2.5s', '-r', '1000', '--mode', 'tcp', '--close', '--no-direct', '-o', 'json'], 'shop');
  assert.equal(o, {
    service: 'web', namespace: 'shop', port: 'http', mode: 'tcp', path: '/', output: 'json',
    connections: 64, durationSeconds: 2.5, rate: 1000, closeEachRequest: true, direct: false,
  });
  assert.is(parse(['web', '--port', '8080']).port, 8080);
  assert.is(parse(['web', '--path', '/healthz?x=1', '--direct']).path, '/healthz?x=1');
  assert.is(parse(['web', '--direct']).direct, true);
});

test('bad values are usage errors that say what to give', () => {
  const cases: [string[], RegExp][] = [
    [[], /name a Service to load/],
    [['a', 'b'], /one Service, got 2/],
    [['Web'], /not a Service name/],
    [['web', '-c', '0'], /--connections: give a whole number greater than 0 and at most 10000/],
    [['web', '-c', '2.5'], /--connections/],
    [['web', '-c', '10001'], /at most 10000/],
    [['web', '-d', 'ten'], /--duration: give a number/],
    [['web', '-d', '0'], /--duration/],
    [['web', '-d', '4000'], /at most 3600/],
    [['web', '--rate=-5'], /--rate/],
    [['web', '-r', '0'], /--rate: give a number greater than 0/],
    [['web', '--mode', 'udp'], /--mode: give http or tcp/],
    [['web', '--path', 'x'], /starting with \//],
    [['web', '--mode', 'tcp', '--path', '/x'], /--path applies only to --mode http/],
    [['web', '--close'], /--close applies only to --mode tcp/],
    [['web', '--direct', '--no-direct'], /contradict/],
    [['web', '-o', 'yaml'], /allowed formats are: json,text/],
    [['web', '--port', '0'], /between 1 and 65535/],
    [['web', '--port', '70000'], /between 1 and 65535/],
    [['web', '--port', 'HTTP!'], /the Service port's name or number/],
  ];
  for (const [argv, why] of cases) {
    try {
      parse(argv);
      assert.unreachable(`accepted ${argv.join(' ')}`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'SY_CLI_USAGE', String(err));
      assert.match((err as Error).message, why);
    }
  }
});

test('through the command line: the verb is registered, usage errors exit 1 with a hint, --help works', async () => {
  let out = '';
  let err = '';
  const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; }, env: {}, readStdin: async () => '' };
  assert.is(await runCli(['bench', 'web', '--connections', 'x'], io), 1);
  assert.match(err, /^error: invalid value "x" for --connections.*\nSee 'switchyard bench --help' for usage.\n$/);
  assert.is(await runCli(['bench', '--help'], io), 0);
  assert.match(out, /switchyard bench SERVICE/);
  out = '';
  assert.is(await runCli(['help'], io), 0);
  assert.match(out, /\n {2}bench {5}Load-test a Service/);
});

const svc = (ports: Service['spec']['ports']): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '127.96.0.5', ports },
});

test('selectServicePort: the only port, by name, by number; errors list the ports', () => {
  const one = svc([{ port: 80 }]);
  assert.is(selectServicePort(one, undefined).port, 80);
  const two = svc([{ name: 'http', port: 80 }, { name: 'admin', port: 9000 }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  assert.is(selectServicePort(two, 'admin').port, 9000);
  assert.is(selectServicePort(two, 80).name, 'http');
  assert.throws(() => selectServicePort(two, undefined), /shop\/web has 3 ports \(http \(80\), admin \(9000\), dns \(53\)\); choose one with --port/);
  assert.throws(() => selectServicePort(two, 'https'), /has no port "https"; its ports are http \(80\)/);
  assert.throws(() => selectServicePort(two, 'dns'), /is UDP; bench loads TCP ports only/);
});

test('endpointsFromSlices: the named port, ready unless false, pods, deduplicated, IPv6 keys bracketed', () => {
  const slice = (ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', ports, endpoints,
  });
  const slices = [
    slice([{ name: 'http', port: 8080 }, { name: 'admin', port: 9000 }], [
      { addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', name: 'web-1' } },
      { addresses: ['10.0.0.2'], conditions: { ready: false } },
    ]),
    slice([{ name: 'http', port: 8081 }], [{ addresses: ['10.0.0.3'], conditions: { ready: true } }]),
    slice([{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.1'] }]),
    slice([{ name: 'other', port: 1 }], [{ addresses: ['10.0.0.9'] }]),
  ];
  assert.equal(endpointsFromSlices(slices, 'http'), [
    { ip: '10.0.0.1', port: 8080, ready: true, pod: 'web-1' },
    { ip: '10.0.0.2', port: 8080, ready: false, pod: undefined },
    { ip: '10.0.0.3', port: 8081, ready: true, pod: undefined },
  ]);
  assert.equal(endpointsFromSlices([slice([{ port: 80 }], [{ addresses: ['10.0.0.4'] }])], undefined).map((e) => e.port), [80]);
});

test.run();
