// The fields a fieldSelector may name, per kind, and their values (upstream's SelectableFields and
// field label conversions, API spec §4.4). Pure.
import type { ApiKindName, ApiObject } from '../model/types.ts';

const META = ['metadata.name', 'metadata.namespace'];
export const SELECTABLE_FIELDS: Record<ApiKindName, string[]> = {
  Service: [...META, 'spec.clusterIP', 'spec.type'],
  Endpoints: META,
  EndpointSlice: META,
  Pod: [...META, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
    'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: [...META, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Namespace: ['metadata.name', 'status.phase'],
  Lease: META,
};

/** Field path → value (as a string, as field selectors compare) of the selectable fields of `o`. */
export function selectableFields(o: ApiObject): Record<string, string | undefined> {
  const f: Record<string, string | undefined> = { 'metadata.name': o.metadata.name, 'metadata.namespace': o.kind === 'Namespace' ? undefined : o.metadata.namespace ?? 'default' };
  switch (o.kind) {
    case 'Service':
      f['spec.clusterIP'] = o.spec.clusterIP ?? '';
      f['spec.type'] = o.spec.type ?? '';
      break;
    case 'Pod': {
      const spec = o.spec as Record<string, unknown>;
      const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
      f['spec.nodeName'] = str(spec.nodeName);
      f['spec.restartPolicy'] = str(spec.restartPolicy);
      f['spec.schedulerName'] = str(spec.schedulerName);
      f['spec.serviceAccountName'] = str(spec.serviceAccountName);
      f['spec.hostNetwork'] = String(spec.hostNetwork === true);
      f['status.phase'] = o.status?.phase ?? '';
      f['status.podIP'] = o.status?.podIP ?? '';
      f['status.nominatedNodeName'] = '';
      break;
    }
    case 'Event': {
      const io = o.involvedObject;
      Object.assign(f, {
        'involvedObject.kind': io.kind ?? '', 'involvedObject.namespace': io.namespace ?? '', 'involvedObject.name': io.name ?? '',
        'involvedObject.uid': io.uid ?? '', 'involvedObject.apiVersion': io.apiVersion ?? '', 'involvedObject.resourceVersion': io.resourceVersion ?? '',
        'involvedObject.fieldPath': io.fieldPath ?? '', reason: o.reason ?? '', reportingComponent: o.reportingComponent ?? '',
        source: o.source?.component ?? '', type: o.type ?? '',
      });
      break;
    }
    case 'Namespace':
      f['status.phase'] = o.status?.phase ?? 'Active';
      break;
  }
  return f;
}
