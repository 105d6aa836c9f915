/**
 * Printers for HorizontalPodAutoscalers (served as autoscaling/v1 and v2, printed from the v2
 * shape as Kubernetes prints from its internal type) and PodDisruptionBudgets.
 */
import type { V1PodDisruptionBudget, V2HorizontalPodAutoscaler, V2MetricSpec, V2MetricStatus } from '@kubernetes/client-node';
import { doc } from './descriptions.ts';
import { creationAge } from './duration.ts';
import { intOrString } from './format.ts';
import { ageColumn, column, nameColumn, type Printer } from './printer.ts';

/** A Quantity pointer's String(): Go prints `<nil>` for a nil *Quantity. */
function q(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : '<nil>';
}

/** The autoscaling/v1 fields that the v1 -> internal conversion turns into one CPU metric. */
interface HpaV1Fields {
  spec?: { targetCPUUtilizationPercentage?: number };
  status?: { currentCPUUtilizationPercentage?: number };
}

/** Metric specs and statuses in the v2 shape, converting an autoscaling/v1 object if needed. */
function metricsOf(hpa: V2HorizontalPodAutoscaler & HpaV1Fields): { specs: V2MetricSpec[]; statuses: V2MetricStatus[] } {
  if (hpa.spec?.metrics || hpa.spec?.targetCPUUtilizationPercentage === undefined) {
    return { specs: hpa.spec?.metrics ?? [], statuses: hpa.status?.currentMetrics ?? [] };
  }
  const specs: V2MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.spec.targetCPUUtilizationPercentage } } }];
  const current = hpa.status?.currentCPUUtilizationPercentage;
  const statuses: V2MetricStatus[] = current === undefined ? [] : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }];
  return { specs, statuses };
}

function percent(value: number | undefined): string | undefined {
  return value === undefined || value === null ? undefined : `${value}%`;
}

/** One `current/target` entry, as formatHPAMetrics writes it for each metric type. */
function metricText(spec: V2MetricSpec, status: V2MetricStatus | undefined): string {
  switch (spec.type) {
    case 'External':
    case 'Object': {
      const source = spec.type === 'External' ? spec.external : spec.object;
      const current = spec.type === 'External' ? status?.external : status?.object;
      if (source?.target?.averageValue !== undefined) {
        const now = current?.current?.averageValue !== undefined ? q(current.current.averageValue) : '<unknown>';
        return `${now}/${q(source.target.averageValue)} (avg)`;
      }
      return `${current ? q(current.current?.value) : '<unknown>'}/${q(source?.target?.value)}`;
    }
    case 'Pods':
      return `${status?.pods ? q(status.pods.current?.averageValue) : '<unknown>'}/${q(spec.pods?.target?.averageValue)}`;
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const current = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      if (source?.target?.averageValue !== undefined) {
        return `${source.name}: ${current ? q(current.current?.averageValue) : '<unknown>'}/${q(source.target.averageValue)}`;
      }
      const now = percent(current?.current?.averageUtilization) ?? '<unknown>';
      return `${source?.name ?? ''}: ${now}/${percent(source?.target?.averageUtilization) ?? '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** TARGETS: up to two metrics joined by ", " with "+ N more...", or `<none>`. */
export function formatHpaMetrics(specs: V2MetricSpec[], statuses: V2MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list = specs.map((spec, i) => metricText(spec, statuses[i]));
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
}

/** The HorizontalPodAutoscaler printer: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Reference', 'string', doc('V2HorizontalPodAutoscalerSpec', 'scaleTargetRef')),
    column('Targets', 'string', doc('V2HorizontalPodAutoscalerSpec', 'metrics')),
    column('MinPods', 'string', doc('V2HorizontalPodAutoscalerSpec', 'minReplicas')),
    column('MaxPods', 'string', doc('V2HorizontalPodAutoscalerSpec', 'maxReplicas')),
    column('Replicas', 'string', doc('V2HorizontalPodAutoscalerStatus', 'currentReplicas')),
    ageColumn(),
  ],
  print(object, ctx) {
    const hpa = object as unknown as V2HorizontalPodAutoscaler & HpaV1Fields;
    const ref = hpa.spec?.scaleTargetRef;
    const { specs, statuses } = metricsOf(hpa);
    const minPods = hpa.spec?.minReplicas === undefined || hpa.spec.minReplicas === null ? '<unset>' : String(hpa.spec.minReplicas);
    return {
      cells: [object.metadata.name, `${ref?.kind ?? ''}/${ref?.name ?? ''}`, formatHpaMetrics(specs, statuses), minPods, hpa.spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, creationAge(ctx, object)],
    };
  },
};

/** The PodDisruptionBudget printer: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  print(object, ctx) {
    const pdb = object as unknown as V1PodDisruptionBudget;
    const spec = pdb.spec ?? {};
    const min = spec.minAvailable === undefined || spec.minAvailable === null ? 'N/A' : intOrString(spec.minAvailable);
    const max = spec.maxUnavailable === undefined || spec.maxUnavailable === null ? 'N/A' : intOrString(spec.maxUnavailable);
    return { cells: [object.metadata.name, min, max, pdb.status?.disruptionsAllowed ?? 0, creationAge(ctx, object)] };
  },
};
