/**
 * Printers for the cluster-scoped basics: Nodes (NAME STATUS ROLES AGE VERSION | INTERNAL-IP
 * EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME) and Namespaces (NAME STATUS AGE).
 */
import type { V1Namespace, V1Node } from '@kubernetes/client-node';
import { doc } from './descriptions.ts';
import { creationAge } from './duration.ts';
import { ageColumn, column, nameColumn, type Printer } from './printer.ts';

/** Label prefix whose suffix names a role (`node-role.kubernetes.io/control-plane`). */
const ROLE_PREFIX = 'node-role.kubernetes.io/';
/** The older label whose value names a role. */
const ROLE_LABEL = 'kubernetes.io/role';

/** Node roles from labels, sorted and de-duplicated, as the printers' findNodeRoles. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX)) {
      const role = key.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

/** Ready / NotReady / Unknown from the Ready condition, plus SchedulingDisabled when cordoned. */
function nodeStatus(node: V1Node): string {
  const status: string[] = [];
  // Later duplicates win, as printNode builds a map keyed by condition type.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: V1Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

/** The Node printer. */
export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', doc('V1NodeSystemInfo', 'kubeletVersion')),
    column('Internal-IP', 'string', doc('V1NodeStatus', 'addresses'), 1),
    column('External-IP', 'string', doc('V1NodeStatus', 'addresses'), 1),
    column('OS-Image', 'string', doc('V1NodeSystemInfo', 'osImage'), 1),
    column('Kernel-Version', 'string', doc('V1NodeSystemInfo', 'kernelVersion'), 1),
    column('Container-Runtime', 'string', doc('V1NodeSystemInfo', 'containerRuntimeVersion'), 1),
  ],
  print(object, ctx) {
    const node = object as unknown as V1Node;
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(object.metadata.labels).join(',');
    return {
      cells: [
        object.metadata.name,
        nodeStatus(node),
        roles || '<none>',
        creationAge(ctx, object),
        info?.kubeletVersion ?? '',
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

/** The Namespace printer. */
export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print(object, ctx) {
    const ns = object as unknown as V1Namespace;
    return { cells: [object.metadata.name, ns.status?.phase ?? '', creationAge(ctx, object)] };
  },
};
