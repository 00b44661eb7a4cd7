import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DESCRIBE_OPTIONS, GET_TABLE_OPTIONS, TabWriter, tabulate } from '../../src/cli/printers/tab-writer.ts';

test('get tables: width = max(minwidth 6, longest cell + padding 3); the last cell is not padded', () => {
  const out = tabulate('A\tBB\tC\nxxxxxxxx\ty\tlast-cell-is-long\n', GET_TABLE_OPTIONS);
  assert.is(out, 'A          BB    C\nxxxxxxxx   y     last-cell-is-long\n');
});

test('describe: width = longest label + 2, no minimum', () => {
  assert.is(tabulate('Name:\tweb\nNamespace:\tdefault\n', DESCRIBE_OPTIONS), 'Name:       web\nNamespace:  default\n');
});

test('a line without tabs ends a column block; blocks are aligned separately', () => {
  const out = tabulate('a:\t1\nlonger-label:\t2\nHeading\nb:\t3\n', DESCRIBE_OPTIONS);
  assert.is(out, 'a:             1\nlonger-label:  2\nHeading\nb:  3\n');
});

test('nested blocks: a second column is sized over the consecutive lines that have it', () => {
  const out = tabulate('Port:\thttp\t80/TCP\nTargetPort:\t8080/TCP\nNodePort:\tmetrics-port\t30080/TCP\n', DESCRIBE_OPTIONS);
  assert.is(out, 'Port:        http  80/TCP\nTargetPort:  8080/TCP\nNodePort:    metrics-port  30080/TCP\n');
});

test('empty terminated cells are padded; the empty trailing cell is not', () => {
  assert.is(tabulate('Endpoints:\t\nIP:\t1.2.3.4\n', DESCRIBE_OPTIONS), 'Endpoints:  \nIP:         1.2.3.4\n');
});

test('rememberWidths keeps columns from narrowing across flushes', () => {
  const w = new TabWriter(GET_TABLE_OPTIONS);
  w.write('NAME\tAGE\nvery-long-name\t1s\n');
  w.flush();
  w.write('x\t2s\n');
  assert.is(w.take(), 'NAME             AGE\nvery-long-name   1s\nx                2s\n');
  const plain = new TabWriter({ ...GET_TABLE_OPTIONS, rememberWidths: false });
  plain.write('NAME\tAGE\nvery-long-name\t1s\n');
  plain.flush();
  plain.write('x\t2s\n');
  assert.is(plain.take(), 'NAME             AGE\nvery-long-name   1s\nx     2s\n');
});

test('widths count characters, not bytes', () => {
  assert.is(tabulate('ü\tx\nab\ty\n', DESCRIBE_OPTIONS), 'ü   x\nab  y\n');
});

test('text without a final newline is written unterminated', () => {
  assert.is(tabulate('a\tb\nccc\td', DESCRIBE_OPTIONS), 'a    b\nccc  d');
});

test.run();
