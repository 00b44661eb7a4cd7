import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatAggregate, invalid, notSupported, required } from '../../src/model/field-errors.ts';
import { invalidError } from '../../src/model/api-error.ts';

test('single error renders as kubectl shows it', () => {
  assert.is(formatAggregate([invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive')]),
    'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
});

test('several errors are bracketed and deduplicated', () => {
  const e = required('spec.ports[1].name');
  assert.is(formatAggregate([e, e, notSupported('spec.type', 'Foo', ['NodePort', 'ClusterIP'])]),
    '[spec.ports[1].name: Required value, spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"]');
});

test('invalid error is a 422 Status with causes', () => {
  const s = invalidError('Service', 'web', [required('spec.ports[1].name')]).toStatus();
  assert.is(s.code, 422);
  assert.is(s.reason, 'Invalid');
  assert.is(s.message, 'Service "web" is invalid: spec.ports[1].name: Required value');
  assert.equal(s.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports[1].name' }]);
});

test.run();
