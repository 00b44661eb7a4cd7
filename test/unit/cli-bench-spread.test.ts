// Jain's fairness index, the per-endpoint counter deltas between two /metrics scrapes, and the
// strict Prometheus text parser they read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bestJainIndex, computeSpread, jainIndex } from '../../src/cli/bench/bench-spread.ts';
import { allSamples, parsePrometheusText, PrometheusParseError, type PromSample } from '../../src/cli/prometheus-text.ts';

test('jainIndex: 1 when even, 1/n when one endpoint takes all, null when nothing to judge', () => {
  assert.is(jainIndex([5, 5, 5]), 1);
  assert.is(jainIndex([9, 0, 0]), 1 / 3);
  assert.is(jainIndex([1, 3]), 16 / (2 * 10));
  assert.is(jainIndex([0, 0]), null);
  assert.is(jainIndex([]), null);
  assert.throws(() => jainIndex([1, -1]), /finite counts >= 0/);
  assert.throws(() => jainIndex([NaN]), /finite counts >= 0/);
});

test('bestJainIndex: the most even whole split', () => {
  assert.is(bestJainIndex(6, 3), 1);
  assert.is(bestJainIndex(4, 3), 16 / 18);
  assert.is(bestJainIndex(1, 4), 1 / 4);
  assert.is(bestJainIndex(0, 3), null);
  assert.is(bestJainIndex(5, 0), null);
});

const ep = (endpoint: string, value: number, extra: Record<string, string> = {}): PromSample => ({
  name: 'switchyard_endpoint_connections_total',
  labels: { service: 'default/web', port: 'http/TCP', endpoint, pod: `pod-${endpoint.split(":")[0].slice(-1)}`, ...extra }, value,
});
const SEL = { service: 'default/web', portLabels: ['http/TCP', 'http', '80'] };

test('computeSpread: deltas per endpoint, other Services, ports and metrics ignored', () => {
  const before = [ep('10.0.0.1:80', 100), ep('10.0.0.2:80', 7), ep('10.0.0.9:80', 50, { service: 'default/other' })];
  const after = [
    ep('10.0.0.1:80', 104), ep('10.0.0.2:80', 11), ep('10.0.0.3:80', 4),
    ep('10.0.0.9:80', 90, { service: 'default/other' }), ep('10.0.0.1:80', 1000, { port: 'metrics/TCP' }),
    { name: 'switchyard_endpoint_active_connections', labels: { service: 'default/web', port: 'http/TCP', endpoint: '10.0.0.1:80' }, value: 3 },
  ];
  const known = [{ endpoint: '10.0.0.1:80', pod: 'web-1' }, { endpoint: '10.0.0.2:80' }, { endpoint: '10.0.0.3:80' }];
  const s = computeSpread(before, after, SEL, known);
  assert.equal(s.endpoints.map((e) => [e.endpoint, e.pod, e.connections]), [
    ['10.0.0.1:80', 'web-1', 4], ['10.0.0.2:80', 'pod-2', 4], ['10.0.0.3:80', 'pod-3', 4],
  ]);
  assert.is(s.total, 12);
  assert.is(s.fairness, 1);
  assert.equal(s.endpoints.map((e) => e.share), [1 / 3, 1 / 3, 1 / 3]);
});

test('computeSpread: a known endpoint with no series counts 0; a reset counter counts its new value; a departed endpoint that took load stays', () => {
  const before = [ep('10.0.0.1:80', 100), ep('10.0.0.5:80', 3)];
  const after = [ep('10.0.0.1:80', 6), ep('10.0.0.5:80', 5), ep('10.0.0.6:80', 0)];
  const s = computeSpread(before, after, SEL, [{ endpoint: '10.0.0.1:80' }, { endpoint: '10.0.0.2:80' }]);
  assert.equal(s.endpoints.map((e) => [e.endpoint, e.connections]), [['10.0.0.1:80', 6], ['10.0.0.2:80', 0], ['10.0.0.5:80', 2]]);
  assert.is(s.total, 8);
  assert.is(s.fairness, 64 / (3 * (36 + 4)));
  assert.is(s.bestFairness, 64 / (3 * (9 + 9 + 4)));
});

test('computeSpread: series of one endpoint are summed; nothing counted gives fairness null and zero shares', () => {
  const after = [ep('10.0.0.1:80', 2, { worker: '0' }), ep('10.0.0.1:80', 3, { worker: '1' })];
  assert.equal(computeSpread([], after, SEL, []).endpoints.map((e) => e.connections), [5]);
  const none = computeSpread([], [], SEL, [{ endpoint: '10.0.0.1:80' }]);
  assert.equal(none, { endpoints: [{ endpoint: '10.0.0.1:80', pod: undefined, connections: 0, share: 0 }], total: 0, fairness: null, bestFairness: null });
});

test('parsePrometheusText: HELP/TYPE/comments, labels with escapes, special values, timestamps', () => {
  const text = [
    '# HELP switchyard_endpoint_connections_total Connections established.',
    '# TYPE switchyard_endpoint_connections_total counter',
    '# a free comment',
    'switchyard_endpoint_connections_total{service="default/web",port="http/TCP",endpoint="[::1]:80",pod="a\\"b\\\\c\\nd"} 12',
    'up 1 1700000000000',
    'x{} NaN',
    'y{a="1",} +Inf',
    'z -Inf',
    'w 1.5e3',
    '',
  ].join('\n');
  const s = allSamples(parsePrometheusText(text));
  assert.equal(s[0], { name: 'switchyard_endpoint_connections_total', labels: { service: 'default/web', port: 'http/TCP', endpoint: '[::1]:80', pod: 'a"b\\c\nd' }, value: 12 });
  assert.equal(s.slice(1).map((x) => [x.name, x.value]), [['up', 1], ['x', NaN], ['y', Infinity], ['z', -Infinity], ['w', 1500]]);
  assert.equal(s[3].labels, { a: '1' });
});

test('parsePrometheusText: malformed lines are errors with their line number, never skipped', () => {
  const bad = [
    ['m{a="1"', /line 1: expected , or \}/],
    ['m{a=1} 2', /expected ="…"/],
    ['m{a="x\\q"} 1', /unknown escape/],
    ['m{a="1",a="2"} 1', /appears twice/],
    ['m one', /"one" is not a number/],
    ['m', /expected a space before the value/],
    ['m 1 2 3', /too many fields/],
    ['m 1 soon', /timestamp is not an integer/],
    ['9m 1', /expected a metric name/],
    ['# TYPE m countr', /unknown metric type/],
    ['ok 1\n{a="1"} 1', /line 2: expected a metric name/],
  ] as const;
  for (const [text, why] of bad) {
    try {
      parsePrometheusText(text);
      assert.unreachable(`accepted ${JSON.stringify(text)}`);
    } catch (err) {
      assert.instance(err, PrometheusParseError, String(err));
      assert.match((err as Error).message, why);
    }
  }
});

test.run();
