/**
 * apps/v1 validation (pkg/apis/apps/validation): Deployment, ReplicaSet, StatefulSet, DaemonSet.
 * Selectors are required, non-empty, must match the template's labels, and are immutable.
 */
import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { matchesLabels, selectorFromLabelSelector } from '../selectors/labels.ts';
import { child, forbidden, GoLiteral, goLabelSelector, goStringMap, immutable, invalid, nonNegative, notSupported, obj, required, str } from './field-errors.ts';
import { sameValue, validateLabelSelector } from './meta.ts';
import { validateEnum, validatePodTemplateSpec } from './pod-spec.ts';

type Check = (o: KubeObject) => StatusCause[];
type UpdateCheck = (o: KubeObject, old: KubeObject) => StatusCause[];
const spec = (o: KubeObject) => obj(o.spec);

/**
 * The selector and template checks every workload shares: selector required and valid, not empty
 * ("empty selector is invalid for <kindWord>"; skipped when kindWord is undefined, as for Jobs),
 * template labels selected, template valid.
 */
export function validateSelectorAndTemplate(s: Record<string, unknown>, path: string, kindWord: string | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const selector = s.selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;
  if (!selector) causes.push(required(child(path, 'selector')));
  else {
    causes.push(...validateLabelSelector(selector, child(path, 'selector')));
    if (kindWord && Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      causes.push(invalid(child(path, 'selector'), goLabelSelector(selector), `empty selector is invalid for ${kindWord}`));
    }
  }
  const templatePath = child(path, 'template');
  if (s.template === undefined || s.template === null) return [...causes, required(templatePath)];
  const labels = obj(obj(obj(s.template).metadata).labels) as Record<string, string>;
  if (selector && causes.length === 0) {
    let matches = true;
    try {
      const sel = selectorFromLabelSelector(selector);
      matches = sel.requirements.length === 0 || matchesLabels(sel, labels);
    } catch {
      causes.push(invalid(child(path, 'selector'), goLabelSelector(selector), 'invalid label selector'));
    }
    if (!matches) causes.push(invalid(child(templatePath, 'metadata', 'labels'), new GoLiteral(goStringMap(labels)), '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodTemplateSpec(s.template, templatePath));
  return causes;
}

/** Controllers that keep pods running accept only restartPolicy Always and no activeDeadlineSeconds. */
function alwaysRestart(s: Record<string, unknown>, path: string, kind: string): StatusCause[] {
  const podSpec = obj(obj(s.template).spec);
  const causes: StatusCause[] = [];
  const restart = str(podSpec.restartPolicy);
  if (restart && restart !== 'Always') causes.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), restart, ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    causes.push(forbidden(child(path, 'template', 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return causes;
}

function intOrPercent(value: unknown): { n: number; percent: boolean } | undefined {
  if (typeof value === 'number') return { n: value, percent: false };
  if (typeof value === 'string' && /^\d+%$/.test(value)) return { n: Number(value.slice(0, -1)), percent: true };
  return undefined;
}

function validateIntOrPercent(value: unknown, path: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  const parsed = intOrPercent(value);
  if (!parsed) return [invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  if (parsed.n < 0) return [invalid(path, value, 'must be greater than or equal to 0')];
  if (parsed.percent && parsed.n > 100) return [invalid(path, value, 'must not be greater than 100%')];
  return [];
}

function validateDeploymentStrategy(strategy: Record<string, unknown>, path: string): StatusCause[] {
  const type = str(strategy.type);
  const causes = validateEnum(strategy.type, child(path, 'type'), ['Recreate', 'RollingUpdate']);
  if (type === 'Recreate' && strategy.rollingUpdate) causes.push(forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
  if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    const ruPath = child(path, 'rollingUpdate');
    causes.push(...validateIntOrPercent(ru.maxUnavailable, child(ruPath, 'maxUnavailable')));
    causes.push(...validateIntOrPercent(ru.maxSurge, child(ruPath, 'maxSurge')));
    if (intOrPercent(ru.maxUnavailable)?.n === 0 && intOrPercent(ru.maxSurge)?.n === 0) {
      causes.push(invalid(child(ruPath, 'maxUnavailable'), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  return causes;
}

function validateDeployment(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = [...nonNegative('spec.replicas', s.replicas), ...validateSelectorAndTemplate(s, 'spec', 'deployment'), ...alwaysRestart(s, 'spec', 'ReplicaSet')];
  causes.push(...validateDeploymentStrategy(obj(s.strategy), 'spec.strategy'));
  causes.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds), ...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  if (typeof s.progressDeadlineSeconds === 'number') {
    if (s.progressDeadlineSeconds <= 0) causes.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than 0'));
    else if (s.progressDeadlineSeconds <= (Number(s.minReadySeconds) || 0)) causes.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

function validateReplicaSet(o: KubeObject): StatusCause[] {
  const s = spec(o);
  // Kubernetes' ReplicaSet validation reuses the Deployment wording for an empty selector.
  return [...nonNegative('spec.replicas', s.replicas), ...nonNegative('spec.minReadySeconds', s.minReadySeconds), ...validateSelectorAndTemplate(s, 'spec', 'deployment'), ...alwaysRestart(s, 'spec', 'ReplicaSet')];
}

function validateStatefulSet(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = validateEnum(s.podManagementPolicy, 'spec.podManagementPolicy', ['OrderedReady', 'Parallel']);
  const strategy = obj(s.updateStrategy);
  causes.push(...validateEnum(strategy.type, 'spec.updateStrategy.type', ['OnDelete', 'RollingUpdate']));
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate) causes.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"));
  causes.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', obj(strategy.rollingUpdate).partition));
  causes.push(...nonNegative('spec.replicas', s.replicas), ...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  causes.push(...validateSelectorAndTemplate(s, 'spec', 'statefulset'));
  const restart = str(obj(obj(s.template).spec).restartPolicy);
  if (restart && restart !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  return causes;
}

function validateDaemonSet(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = [...validateSelectorAndTemplate(s, 'spec', 'daemonset'), ...alwaysRestart(s, 'spec', 'DaemonSet')];
  const strategy = obj(s.updateStrategy);
  causes.push(...validateEnum(strategy.type, 'spec.updateStrategy.type', ['OnDelete', 'RollingUpdate']));
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    causes.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    causes.push(...validateIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
    if (intOrPercent(ru.maxUnavailable)?.n === 0 && intOrPercent(ru.maxSurge)?.n === 0) {
      causes.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  causes.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds), ...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  return causes;
}

/** spec.selector is immutable in apps/v1. */
function immutableSelector(o: KubeObject, old: KubeObject): StatusCause[] {
  const next = spec(o).selector as Parameters<typeof goLabelSelector>[0];
  return immutable('spec.selector', next, spec(old).selector, sameValue, goLabelSelector(next));
}

/** StatefulSets may change only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds. */
function statefulSetUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const mutable = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'];
  const strip = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k)));
  if (sameValue(strip(spec(o)), strip(spec(old)))) return [];
  return [forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

export const appsCreate: Record<string, Check> = {
  deployments: validateDeployment,
  replicasets: validateReplicaSet,
  statefulsets: validateStatefulSet,
  daemonsets: validateDaemonSet,
};

export const appsUpdate: Record<string, UpdateCheck> = {
  deployments: (o, old) => [...validateDeployment(o), ...immutableSelector(o, old)],
  replicasets: (o, old) => [...validateReplicaSet(o), ...immutableSelector(o, old)],
  statefulsets: (o, old) => [...validateStatefulSet(o), ...statefulSetUpdate(o, old)],
  daemonsets: (o, old) => [...validateDaemonSet(o), ...immutableSelector(o, old)],
};
