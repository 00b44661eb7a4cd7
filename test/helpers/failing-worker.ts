// A data-plane worker module for tests of a worker that fails during its bootstrap: while the file
// named by SWITCHYARD_TEST_BOOT_FAILURES holds a positive number, loading this module decrements it
// and throws (the thread dies before it runs any task); otherwise it is worker-main.ts.
import { readFileSync, writeFileSync } from 'node:fs';

export { default } from '../../src/data/worker-main.ts';

const file = process.env.SWITCHYARD_TEST_BOOT_FAILURES;
if (file) {
  const left = Number(readFileSync(file, 'utf8'));
  if (left > 0) {
    writeFileSync(file, String(left - 1));
    throw new Error('failed during bootstrap (test)');
  }
}
