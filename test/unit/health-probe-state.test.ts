import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initialProbeState, probeDue, recordProbeResult } from '../../src/health/probe-state.ts';

const T = { successThreshold: 1, failureThreshold: 3 };

test('explicit readinessProbe starts not ready and becomes ready on the first success', () => {
  const s = initialProbeState(false);
  assert.is(s.ready, false);
  assert.is(recordProbeResult(s, false, T), false);
  assert.is(s.ready, false);
  assert.is(recordProbeResult(s, true, T), true);
  assert.is(s.ready, true);
  assert.is(recordProbeResult(s, true, T), false);
});

test('failureThreshold consecutive failures make a ready target not ready', () => {
  const s = initialProbeState(true);
  assert.is(recordProbeResult(s, false, T), false);
  assert.is(recordProbeResult(s, false, T), false);
  assert.is(s.ready, true);
  assert.is(recordProbeResult(s, false, T), true);
  assert.is(s.ready, false);
  assert.is(recordProbeResult(s, false, T), false);
});

test('failures that are not consecutive never eject', () => {
  const s = initialProbeState(true);
  for (let i = 0; i < 100; i++) {
    recordProbeResult(s, false, T);
    recordProbeResult(s, false, T);
    assert.is(recordProbeResult(s, true, T), false);
    assert.is(s.ready, true);
  }
});

test('successThreshold needs that many successes in a row; a failure restarts the count', () => {
  const t = { successThreshold: 3, failureThreshold: 1 };
  const s = initialProbeState(false);
  recordProbeResult(s, true, t);
  recordProbeResult(s, true, t);
  recordProbeResult(s, false, t);
  assert.is(s.ready, false);
  recordProbeResult(s, true, t);
  recordProbeResult(s, true, t);
  assert.is(s.ready, false);
  assert.is(recordProbeResult(s, true, t), true);
  assert.is(s.ready, true);
  assert.is(recordProbeResult(s, false, t), true, 'failureThreshold 1: one failure is enough');
});

test('implicit probes start optimistic: ready until failureThreshold failures', () => {
  const s = initialProbeState(true);
  recordProbeResult(s, false, T);
  recordProbeResult(s, true, T);
  recordProbeResult(s, false, T);
  recordProbeResult(s, false, T);
  assert.is(s.ready, true);
  recordProbeResult(s, false, T);
  assert.is(s.ready, false);
});

test('initialDelaySeconds counts whole seconds since start, as kubelet truncates', () => {
  const start = 1_000_000;
  assert.ok(probeDue(start, 0, start));
  assert.not.ok(probeDue(start, 5, start));
  assert.not.ok(probeDue(start, 5, start + 4_999));
  assert.ok(probeDue(start, 5, start + 5_000));
  assert.ok(probeDue(start, 5, start + 60_000));
});

test.run();
