// `kubectl get`'s human output from a meta.k8s.io/v1 Table: the header is each column's name in
// upper case, priority-1 columns only with -o wide, a NAMESPACE column first with -A (from each
// row's object metadata), laid out by cli-runtime's table printer. The Table comes from the server
// (the columns are src/api/table-columns.ts, the one implementation). Pure; runs in the CLI process.
import { buildTable, type Table } from '../../api/table-columns.ts';
import type { KindName, KubeObject } from '../../model/types.ts';
import { GET_TABLE_OPTIONS, TabWriter } from './tab-writer.ts';

export interface TableOptions {
  wide?: boolean;
  /** Prepends the NAMESPACE column (`-A`). */
  allNamespaces?: boolean;
}

/** Lays out a Table; the header is printed even for zero rows. */
export function printTable(table: Table, opts: TableOptions): string {
  const keep = table.columnDefinitions.map((c) => c.priority === 0 || !!opts.wide);
  const pick = <T>(cells: T[]) => cells.filter((_, i) => keep[i]);
  const w = new TabWriter(GET_TABLE_OPTIONS);
  const header = pick(table.columnDefinitions.map((c) => c.name.toUpperCase()));
  w.write((opts.allNamespaces ? ['NAMESPACE', ...header] : header).join('\t') + '\n');
  for (const row of table.rows) {
    // Tabs or newlines inside a cell would break the layout; kubectl cuts a cell at its first newline.
    const cells = pick(row.cells).map((c) => String(c).split(/[\n\r\f]/)[0].replace(/\t/g, ' '));
    const ns = (row.object as { metadata?: { namespace?: string } } | undefined)?.metadata?.namespace ?? '';
    w.write((opts.allNamespaces ? [ns, ...cells] : cells).join('\t') + '\n');
  }
  return w.take();
}

/** The table of objects already at hand (`now` for AGE, ms since the epoch). */
export function renderTable(kind: KindName, objects: KubeObject[], opts: TableOptions & { now: number }): string {
  return printTable(buildTable(kind, objects, opts.now), opts);
}
