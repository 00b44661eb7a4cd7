// What each Engine event means for a container's Pod: podman's events as recorded
// (test/fixtures/docker-engine/events.jsonl: a health check, a compose scale-down), Docker's forms
// as its API documents them (`health_status: healthy`, `kill` with the signal number); and Pod
// names made from container names.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineEvent } from '../../src/discovery/docker-engine-types.ts';
import { eventEffect } from '../../src/discovery/docker-event-effect.ts';
import { podNameFor } from '../../src/discovery/docker-pod-names.ts';

const recorded: EngineEvent[] = readFileSync(new URL('../fixtures/docker-engine/events.jsonl', import.meta.url), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l));
const noStopSignal = () => undefined;
const container = (Action: string, Attributes: Record<string, string> = {}): EngineEvent => ({ Type: 'container', Action, Actor: { ID: 'abc', Attributes } });

test('recorded podman events: health check, then a compose scale-down', () => {
  const effects = recorded.map((e) => [e.Action, eventEffect(e, noStopSignal)?.effect ?? null]);
  assert.equal(effects, [
    ['health_status', 'refresh'], ['exec_died', null],
    ['stop', 'stopping'], ['die', 'gone'], ['cleanup', null], ['cleanup', null], ['remove', 'gone'],
  ]);
  const health = eventEffect(recorded[0], noStopSignal)!;
  assert.is(health.id, recorded[0].Actor!.ID);
  assert.ok(health.healthUnknown, 'podman does not say the status: it must be read back');
});

test('Docker health events carry their status', () => {
  assert.equal(eventEffect(container('health_status: unhealthy'), noStopSignal), { id: 'abc', effect: 'refresh', health: 'unhealthy' });
  assert.equal(eventEffect(container('health_status', { health_status: 'healthy' }), noStopSignal), { id: 'abc', effect: 'refresh', health: 'healthy' });
});

test('kill: the stop signals and the container\'s own StopSignal mean stopping; others change nothing', () => {
  for (const signal of ['15', '9', '2', '3', 'SIGTERM', 'TERM']) assert.is(eventEffect(container('kill', { signal }), noStopSignal)?.effect, 'stopping', signal);
  assert.is(eventEffect(container('kill', { signal: '1' }), noStopSignal), undefined, 'SIGHUP (a reload) keeps the container');
  assert.is(eventEffect(container('kill', { signal: '28' }), () => 'SIGWINCH')?.effect, 'stopping', 'httpd images stop on SIGWINCH');
  assert.is(eventEffect(container('kill'), noStopSignal), undefined);
});

test('lifecycle and network events', () => {
  assert.is(eventEffect(container('start'), noStopSignal)?.effect, 'started');
  assert.is(eventEffect(container('unpause'), noStopSignal)?.effect, 'started');
  assert.is(eventEffect(container('pause'), noStopSignal)?.effect, 'refresh');
  assert.is(eventEffect(container('destroy'), noStopSignal)?.effect, 'gone');
  assert.is(eventEffect(container('create'), noStopSignal), undefined, 'created is not running yet');
  assert.is(eventEffect(container('exec_start: sh'), noStopSignal), undefined);
  assert.equal(eventEffect({ Type: 'network', Action: 'connect', Actor: { ID: 'net1', Attributes: { container: 'abc' } } }, noStopSignal), { id: 'abc', effect: 'refresh' });
  assert.is(eventEffect({ Type: 'image', Action: 'pull', Actor: { ID: 'x' } }, noStopSignal), undefined);
});

test('podNameFor: lower case, runs of other characters one dash, at most 63', () => {
  assert.is(podNameFor('/shop_web_1'), 'shop-web-1');
  assert.is(podNameFor('Shop-Web-1'), 'shop-web-1');
  assert.is(podNameFor('my.app__1'), 'my-app-1');
  assert.is(podNameFor('_leading_'), 'leading');
  assert.is(podNameFor('___'), 'container');
  assert.is(podNameFor('a'.repeat(62) + '_b').length, 62, 'no trailing dash after the cut');
});

test.run();
