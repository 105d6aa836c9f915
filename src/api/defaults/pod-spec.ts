/**
 * Defaults of a PodSpec and everything inside it (pkg/apis/core/v1/defaults.go plus the generated
 * per-field defaulters), applied to pods and to every pod template of a workload.
 */

/** A JSON object view: returns `parent[key]` as an object, creating it when absent. */
export function ensure(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = parent[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

/** Sets `obj[key]` only when it is absent (undefined, null or ""), as Go's zero-value checks do. */
export function setDefault(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null || obj[key] === '') obj[key] = value;
}

/** The objects of an array field (non-objects skipped). */
export function items(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => Boolean(v) && typeof v === 'object') : [];
}

/** The tag of an image reference ('' when none; digests count as no tag). */
export function imageTag(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : '';
}

/** SetDefaults_Probe + SetDefaults_HTTPGetAction. */
function defaultProbe(probe: Record<string, unknown>): void {
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (probe.timeoutSeconds === 0) probe.timeoutSeconds = 1;
  if (probe.periodSeconds === 0) probe.periodSeconds = 10;
  if (probe.successThreshold === 0) probe.successThreshold = 1;
  if (probe.failureThreshold === 0) probe.failureThreshold = 3;
  if (probe.httpGet) defaultHttpGet(probe.httpGet as Record<string, unknown>);
}

function defaultHttpGet(action: Record<string, unknown>): void {
  setDefault(action, 'path', '/');
  setDefault(action, 'scheme', 'HTTP');
}

/**
 * SetDefaults_Container: imagePullPolicy Always for `:latest` or untagged images (no digest),
 * IfNotPresent otherwise; termination message path and policy; port protocols; probes; env
 * fieldRef apiVersion; and an empty `resources` object, which Go always serialises.
 */
export function defaultContainer(c: Record<string, unknown>): void {
  if (!c.imagePullPolicy) {
    const image = typeof c.image === 'string' ? c.image : '';
    const tag = imageTag(image);
    // ParseImageName treats an untagged, undigested reference as ":latest".
    const latest = tag === 'latest' || (tag === '' && !image.includes('@'));
    c.imagePullPolicy = latest ? 'Always' : 'IfNotPresent';
  }
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const port of items(c.ports)) setDefault(port, 'protocol', 'TCP');
  for (const env of items(c.env)) {
    const fieldRef = (env.valueFrom as Record<string, unknown> | undefined)?.fieldRef as Record<string, unknown> | undefined;
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  ensure(c, 'resources');
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (c[p]) defaultProbe(c[p] as Record<string, unknown>);
  const lifecycle = c.lifecycle as Record<string, unknown> | undefined;
  for (const hook of ['postStart', 'preStop']) {
    const h = lifecycle?.[hook] as Record<string, unknown> | undefined;
    if (h?.httpGet) defaultHttpGet(h.httpGet as Record<string, unknown>);
  }
}

/** SetDefaults_Volume and the per-source defaulters (defaultMode 0644 = 420, hostPath type ""). */
function defaultVolume(v: Record<string, unknown>): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (v[k]) setDefault(v[k] as Record<string, unknown>, 'defaultMode', 420);
  }
  if (v.hostPath) setDefault(v.hostPath as Record<string, unknown>, 'type', '');
  for (const item of items((v.downwardAPI as Record<string, unknown> | undefined)?.items)) {
    if (item.fieldRef) setDefault(item.fieldRef as Record<string, unknown>, 'apiVersion', 'v1');
  }
  for (const source of items((v.projected as Record<string, unknown> | undefined)?.sources)) {
    if (source.serviceAccountToken) setDefault(source.serviceAccountToken as Record<string, unknown>, 'expirationSeconds', 3600);
    for (const item of items((source.downwardAPI as Record<string, unknown> | undefined)?.items)) {
      if (item.fieldRef) setDefault(item.fieldRef as Record<string, unknown>, 'apiVersion', 'v1');
    }
  }
  const claim = (v.ephemeral as Record<string, unknown> | undefined)?.volumeClaimTemplate as Record<string, unknown> | undefined;
  if (claim) setDefault(ensure(claim, 'spec'), 'volumeMode', 'Filesystem');
}

/** SetDefaults_PodSpec and the nested defaulters: what every pod template gets. */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  ensure(spec, 'securityContext');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const v of items(spec.volumes)) defaultVolume(v);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of items(spec[list])) defaultContainer(c);
  // v1 conversion mirrors serviceAccountName into the deprecated serviceAccount field.
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
}

/** SetDefaults_Pod (pods only, not templates): requests from limits, enableServiceLinks, host ports. */
export function defaultPodOnly(spec: Record<string, unknown>): void {
  for (const list of ['containers', 'initContainers']) {
    for (const c of items(spec[list])) {
      const resources = ensure(c, 'resources');
      const limits = resources.limits as Record<string, unknown> | undefined;
      if (!limits) continue;
      const requests = ensure(resources, 'requests');
      for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const c of items(spec[list])) for (const p of items(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

/** Defaults of a pod template (`spec.template` of workloads): its pod spec, and a metadata object. */
export function defaultPodTemplate(template: unknown): void {
  if (!template || typeof template !== 'object') return;
  const t = template as Record<string, unknown>;
  ensure(t, 'metadata');
  defaultPodSpec(ensure(t, 'spec'));
}
