// validateServicePort and ValidatePortNumOrName (k8s pkg/apis/core/validation): rules V11–V17 of
// spec §2.3, applied to one `spec.ports[i]`. Pure; any thread.
import type { IntOrString, ServicePort } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { duplicate, notSupported, required } from '../model/field-errors.ts';
import { each, isValidPortName, isValidPortNum, validateDNS1123Label, validateQualifiedName } from './name-formats.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** An int must be a port number; a string must be an IANA_SVC_NAME (a digit string is a bad name, as upstream). */
export function validatePortNumOrName(port: IntOrString, path: string): FieldError[] {
  if (typeof port === 'number') return each(path, port, isValidPortNum(port));
  return each(path, port, isValidPortName(port));
}

export function validateProtocol(protocol: string | undefined, path: string): FieldError[] {
  if (!protocol) return [required(path)];
  return PROTOCOLS.includes(protocol) ? [] : [notSupported(path, protocol, PROTOCOLS)];
}

/**
 * Upstream passes `isHeadlessService` but only in a commented-out check: the v1 API tolerates a
 * headless service's targetPort differing from its port, while the targetPort format is still checked.
 */
export function validateServicePort(sp: ServicePort, requireName: boolean, allNames: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) {
    errs.push(required(`${path}.name`));
  } else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, `${path}.name`));
    if (allNames.has(sp.name)) errs.push(duplicate(`${path}.name`, sp.name));
    else allNames.add(sp.name);
  }
  const port = sp.port ?? 0;
  errs.push(...each(`${path}.port`, port, isValidPortNum(port)));
  errs.push(...validateProtocol(sp.protocol, `${path}.protocol`));
  errs.push(...validatePortNumOrName(sp.targetPort ?? 0, `${path}.targetPort`));
  if (sp.appProtocol !== undefined) errs.push(...validateQualifiedName(sp.appProtocol, `${path}.appProtocol`));
  return errs;
}
