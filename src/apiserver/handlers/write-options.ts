import { badRequest } from '../../api/errors.ts';
import type { DeleteOptions, WriteOptions } from '../registry/resource-store.ts';
import { fieldManagerOf, isDryRun, type HandlerContext } from './context.ts';

/** The write options of a create, update or patch request. */
export function writeOptions(ctx: HandlerContext): WriteOptions {
  const dryRun = ctx.query.getAll('dryRun');
  for (const value of dryRun) if (value !== 'All') throw badRequest(`Invalid dry run value: ${value}; supported values: All`);
  return { dryRun: isDryRun(ctx.query), fieldManager: fieldManagerOf(ctx), subresource: ctx.request.subresource };
}

/** DeleteOptions from the body (when sent) merged with the query parameters kubectl may use instead. */
export function deleteOptions(ctx: HandlerContext, body: Record<string, unknown> | undefined): DeleteOptions {
  const grace = body?.gracePeriodSeconds ?? (ctx.query.get('gracePeriodSeconds') !== null ? Number(ctx.query.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace))) throw badRequest('gracePeriodSeconds must be an integer');
  const policy = body?.propagationPolicy ?? ctx.query.get('propagationPolicy') ?? undefined;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
  }
  const orphan = body?.orphanDependents;
  const dryRun = ((body?.dryRun as string[] | undefined) ?? []).includes('All') || isDryRun(ctx.query);
  return {
    dryRun,
    gracePeriodSeconds: grace as number | undefined,
    propagationPolicy: (policy as DeleteOptions['propagationPolicy']) ?? (orphan === true ? 'Orphan' : undefined),
    preconditions: body?.preconditions as DeleteOptions['preconditions'],
  };
}
