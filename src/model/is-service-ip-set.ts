// `helper.IsServiceIPSet`: a Service has a virtual IP unless its clusterIP is "" or "None"
// (headless and ExternalName Services have none). Pure; any thread.
import type { Service } from './types.ts';

export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}
