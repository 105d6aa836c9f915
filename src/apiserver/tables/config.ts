/**
 * Printers for configuration and access objects: ConfigMaps, Secrets, ServiceAccounts, Leases,
 * PriorityClasses, RoleBindings, ClusterRoleBindings, ResourceQuotas and ControllerRevisions.
 */
import type { RbacV1Subject, V1ConfigMap, V1ControllerRevision, V1Lease, V1PriorityClass, V1ResourceQuota, V1RoleBinding, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { parseApiVersion } from '../../api/registry.ts';
import { doc } from './descriptions.ts';
import { creationAge } from './duration.ts';
import { quantity } from './format.ts';
import { ageColumn, column, nameColumn, type Printer } from './printer.ts';

const count = (map: object | undefined) => Object.keys(map ?? {}).length;

/** The ConfigMap printer: NAME DATA AGE, DATA counting data and binaryData keys. */
export const configMapPrinter: Printer = {
  columns: [nameColumn(), column('Data', 'string', doc('V1ConfigMap', 'data')), ageColumn()],
  print(object, ctx) {
    const cm = object as unknown as V1ConfigMap;
    return { cells: [object.metadata.name, count(cm.data) + count(cm.binaryData), creationAge(ctx, object)] };
  },
};

/** The Secret printer: NAME TYPE DATA AGE. */
export const secretPrinter: Printer = {
  columns: [nameColumn(), column('Type', 'string', doc('V1Secret', 'type')), column('Data', 'string', doc('V1Secret', 'data')), ageColumn()],
  print(object, ctx) {
    const secret = object as unknown as V1Secret;
    // stringData is merged into data on write, so only data is counted.
    return { cells: [object.metadata.name, secret.type ?? '', count(secret.data), creationAge(ctx, object)] };
  },
};

/** The ServiceAccount printer: NAME SECRETS AGE. */
export const serviceAccountPrinter: Printer = {
  columns: [nameColumn(), column('Secrets', 'string', doc('V1ServiceAccount', 'secrets')), ageColumn()],
  print(object, ctx) {
    const sa = object as unknown as V1ServiceAccount;
    return { cells: [object.metadata.name, sa.secrets?.length ?? 0, creationAge(ctx, object)] };
  },
};

/** The Lease printer: NAME HOLDER AGE. */
export const leasePrinter: Printer = {
  columns: [nameColumn(), column('Holder', 'string', doc('V1LeaseSpec', 'holderIdentity')), ageColumn()],
  print(object, ctx) {
    const lease = object as unknown as V1Lease;
    return { cells: [object.metadata.name, lease.spec?.holderIdentity ?? '', creationAge(ctx, object)] };
  },
};

/** The PriorityClass printer: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY (the last is priority 0). */
export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Value', 'integer', doc('V1PriorityClass', 'value')),
    column('Global-Default', 'boolean', doc('V1PriorityClass', 'globalDefault')),
    ageColumn(),
    column('PreemptionPolicy', 'string', doc('V1PriorityClass', 'preemptionPolicy')),
  ],
  print(object, ctx) {
    const pc = object as unknown as V1PriorityClass;
    return { cells: [object.metadata.name, pc.value ?? 0, pc.globalDefault ?? false, creationAge(ctx, object), pc.preemptionPolicy ?? ''] };
  },
};

/** Users, groups and service accounts (`namespace/name`) of a binding, as rbac.SubjectsStrings. */
function subjectColumns(subjects: RbacV1Subject[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const subject of subjects ?? []) {
    if (subject.kind === 'User') users.push(subject.name);
    else if (subject.kind === 'Group') groups.push(subject.name);
    else if (subject.kind === 'ServiceAccount') serviceAccounts.push(`${subject.namespace ?? ''}/${subject.name}`);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

function bindingPrinter(kind: 'roleBinding' | 'clusterRoleBinding'): Printer {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', doc(kind === 'roleBinding' ? 'V1RoleBinding' : 'V1ClusterRoleBinding', 'roleRef')),
      ageColumn(),
      column('Users', 'string', `Users in the ${kind}`, 1),
      column('Groups', 'string', `Groups in the ${kind}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, 1),
    ],
    print(object, ctx) {
      const binding = object as unknown as V1RoleBinding;
      const role = `${binding.roleRef?.kind ?? ''}/${binding.roleRef?.name ?? ''}`;
      return { cells: [object.metadata.name, role, creationAge(ctx, object), ...subjectColumns(binding.subjects)] };
    },
  };
}

/** The RoleBinding printer: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS. */
export const roleBindingPrinter = bindingPrinter('roleBinding');
/** The ClusterRoleBinding printer, with the same columns. */
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

/** REQUEST and LIMIT cells: `resource: used/hard` pairs sorted by name, `limits.*` in LIMIT. */
function quotaCells(quota: V1ResourceQuota): [string, string] {
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${quantity(used[name])}/${quantity(hard[name])}`;
    const pieces = name.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
  }
  return [requests.join(', '), limits.join(', ')];
}

/** The ResourceQuota printer: NAME REQUEST LIMIT AGE (printed from status, as Kubernetes does). */
export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageColumn(),
  ],
  print(object, ctx) {
    return { cells: [object.metadata.name, ...quotaCells(object as unknown as V1ResourceQuota), creationAge(ctx, object)] };
  },
};

/** `kind.group/name` (lower-cased kind and group) of the controlling owner, or `<none>`. */
function controllerOf(object: KubeObject): string {
  const ref = (object.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const { group } = parseApiVersion(ref.apiVersion ?? '');
  const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
  return groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : ref.name;
}

/** The ControllerRevision printer: NAME CONTROLLER REVISION AGE. */
export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', doc('V1ControllerRevision', 'revision')),
    ageColumn(),
  ],
  print(object, ctx) {
    const revision = (object as unknown as V1ControllerRevision).revision ?? 0;
    return { cells: [object.metadata.name, controllerOf(object), revision, creationAge(ctx, object)] };
  },
};
