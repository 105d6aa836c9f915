/**
 * Printers for the workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets,
 * ReplicationControllers, Jobs and CronJobs, with the columns of Kubernetes 1.32.
 */
import type { V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1JobCondition, V1ReplicaSet, V1ReplicationController, V1StatefulSet } from '@kubernetes/client-node';
import { doc } from './descriptions.ts';
import { age, creationAge, elapsed, humanDuration, parseTime } from './duration.ts';
import { boolPtr, containerCells, formatLabels, formatLabelSelector, selectorString } from './format.ts';
import { ageColumn, column, CONTAINERS_DESCRIPTION, IMAGES_DESCRIPTION, nameColumn, type PrintContext, type Printer } from './printer.ts';

const containersColumn = () => column('Containers', 'string', CONTAINERS_DESCRIPTION, 1);
const imagesColumn = () => column('Images', 'string', IMAGES_DESCRIPTION, 1);

/** Replicas of a scalable workload; v1 defaulting makes an unset spec.replicas 1. */
function desired(replicas: number | undefined): number {
  return replicas ?? 1;
}

/** The Deployment printer: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR. */
export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', doc('V1DeploymentStatus', 'updatedReplicas')),
    column('Available', 'string', doc('V1DeploymentStatus', 'availableReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1DeploymentSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const d = object as unknown as V1Deployment;
    const status = d.status ?? {};
    // printDeployment uses the raw selector string: '' for an empty selector, <invalid> on error.
    const selector = selectorString(d.spec?.selector) ?? '<invalid>';
    return {
      cells: [object.metadata.name, `${status.readyReplicas ?? 0}/${desired(d.spec?.replicas)}`, status.updatedReplicas ?? 0, status.availableReplicas ?? 0, creationAge(ctx, object), ...containerCells(d.spec?.template?.spec?.containers), selector],
    };
  },
};

/** The ReplicaSet printer: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR. */
export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc('V1ReplicaSetSpec', 'replicas')),
    column('Current', 'integer', doc('V1ReplicaSetStatus', 'replicas')),
    column('Ready', 'integer', doc('V1ReplicaSetStatus', 'readyReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1ReplicaSetSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const rs = object as unknown as V1ReplicaSet;
    const status = rs.status;
    return {
      cells: [object.metadata.name, desired(rs.spec?.replicas), status?.replicas ?? 0, status?.readyReplicas ?? 0, creationAge(ctx, object), ...containerCells(rs.spec?.template?.spec?.containers), formatLabelSelector(rs.spec?.selector)],
    };
  },
};

/** The ReplicationController printer: like ReplicaSets, with a map selector. */
export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc('V1ReplicationControllerSpec', 'replicas')),
    column('Current', 'integer', doc('V1ReplicationControllerStatus', 'replicas')),
    column('Ready', 'integer', doc('V1ReplicationControllerStatus', 'readyReplicas')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1ReplicationControllerSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const rc = object as unknown as V1ReplicationController;
    const status = rc.status;
    return {
      cells: [object.metadata.name, desired(rc.spec?.replicas), status?.replicas ?? 0, status?.readyReplicas ?? 0, creationAge(ctx, object), ...containerCells(rc.spec?.template?.spec?.containers), formatLabels(rc.spec?.selector)],
    };
  },
};

/** The StatefulSet printer: NAME READY AGE | CONTAINERS IMAGES. */
export const statefulSetPrinter: Printer = {
  columns: [nameColumn(), column('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  print(object, ctx) {
    const sts = object as unknown as V1StatefulSet;
    return { cells: [object.metadata.name, `${sts.status?.readyReplicas ?? 0}/${desired(sts.spec?.replicas)}`, creationAge(ctx, object), ...containerCells(sts.spec?.template?.spec?.containers)] };
  },
};

/** The DaemonSet printer: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR. */
export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc('V1DaemonSetStatus', 'desiredNumberScheduled')),
    column('Current', 'integer', doc('V1DaemonSetStatus', 'currentNumberScheduled')),
    column('Ready', 'integer', doc('V1DaemonSetStatus', 'numberReady')),
    column('Up-to-date', 'integer', doc('V1DaemonSetStatus', 'updatedNumberScheduled')),
    column('Available', 'integer', doc('V1DaemonSetStatus', 'numberAvailable')),
    column('Node Selector', 'string', doc('V1PodSpec', 'nodeSelector')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1DaemonSetSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const ds = object as unknown as V1DaemonSet;
    const s = ds.status;
    const template = ds.spec?.template?.spec;
    return {
      cells: [
        object.metadata.name,
        s?.desiredNumberScheduled ?? 0,
        s?.currentNumberScheduled ?? 0,
        s?.numberReady ?? 0,
        s?.updatedNumberScheduled ?? 0,
        s?.numberAvailable ?? 0,
        formatLabels(template?.nodeSelector),
        creationAge(ctx, object),
        ...containerCells(template?.containers),
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

/** The value of the first condition of a type, as the printers' hasJobCondition. */
function jobCondition(conditions: V1JobCondition[] | undefined, type: string): boolean {
  const found = (conditions ?? []).find((c) => c.type === type);
  return found !== undefined && found.status === 'True';
}

function jobStatus(job: V1Job): string {
  const conditions = job.status?.conditions;
  if (jobCondition(conditions, 'Complete')) return 'Complete';
  if (jobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (jobCondition(conditions, 'Suspended')) return 'Suspended';
  if (jobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: V1Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: V1Job, ctx: PrintContext): string {
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(job.status?.completionTime);
  // A running Job's duration grows with the clock, like an age.
  return end === undefined ? elapsed(ctx, start) : humanDuration(end - start);
}

/** The Job printer: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR. */
export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', doc('V1JobStatus', 'succeeded')),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1JobSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const job = object as unknown as V1Job;
    return {
      cells: [object.metadata.name, jobStatus(job), jobCompletions(job), jobDuration(job, ctx), creationAge(ctx, object), ...containerCells(job.spec?.template?.spec?.containers), formatLabelSelector(job.spec?.selector)],
    };
  },
};

/** The CronJob printer: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR. */
export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', doc('V1CronJobSpec', 'schedule')),
    column('Timezone', 'string', doc('V1CronJobSpec', 'timeZone')),
    column('Suspend', 'boolean', doc('V1CronJobSpec', 'suspend')),
    column('Active', 'integer', doc('V1CronJobStatus', 'active')),
    column('Last Schedule', 'string', doc('V1CronJobStatus', 'lastScheduleTime')),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc('V1JobSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const cj = object as unknown as V1CronJob;
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const last = cj.status?.lastScheduleTime ? age(ctx, cj.status.lastScheduleTime) : '<none>';
    return {
      cells: [
        object.metadata.name,
        cj.spec?.schedule ?? '',
        cj.spec?.timeZone ?? '<none>',
        boolPtr(cj.spec?.suspend),
        cj.status?.active?.length ?? 0,
        last,
        creationAge(ctx, object),
        ...containerCells(jobSpec?.template?.spec?.containers),
        formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};
