// `kubectl describe endpoints` (S18 describeEndpoints, spec §7.3). Pure; runs in the CLI process.
import type { Endpoints, KubeEvent } from '../../model/types.ts';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer.ts';

export function describeEndpoints(ep: Endpoints, events: KubeEvent[], now: number): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${ep.metadata.name ?? ''}\n`);
  w.write(0, `Namespace:\t${ep.metadata.namespace ?? ''}\n`);
  writeLabels(w, 'Labels', ep.metadata.labels);
  writeAnnotations(w, ep.metadata.annotations);
  w.write(0, 'Subsets:\n');
  for (const ss of ep.subsets ?? []) {
    const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip).join(',') || '<none>';
    w.write(1, `Addresses:\t${ips(ss.addresses)}\n`);
    w.write(1, `NotReadyAddresses:\t${ips(ss.notReadyAddresses)}\n`);
    if ((ss.ports ?? []).length > 0) {
      w.write(1, 'Ports:\n');
      w.write(2, 'Name\tPort\tProtocol\n');
      w.write(2, '----\t----\t--------\n');
      for (const p of ss.ports ?? []) w.write(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? 'TCP'}\n`);
    }
    w.write(0, '\n');
  }
  writeEvents(w, events, now);
  return w.take();
}
