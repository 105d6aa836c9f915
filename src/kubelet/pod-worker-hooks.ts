import http from 'node:http';
import type { Clock, PodRuntime, HandlerSpec } from './runtime-interface.ts';
import { resolvePort, type ProbeTarget } from './probes.ts';

/** Runs a lifecycle hook (postStart/preStop) for a container; rejects with the failure message. */
export type HookRunner = (hook: HandlerSpec, target: ProbeTarget, timeoutSeconds: number) => Promise<void>;

/**
 * kubelet's lifecycle handler runner: exec in the container (non-zero exit fails), httpGet to the pod
 * (status outside [200, 400) fails), or sleep.
 */
export function defaultHookRunner(runtime: PodRuntime, clock: Clock): HookRunner {
  return async (hook, target, timeoutSeconds) => {
    if (hook.exec) {
      const result = await runtime.exec(target.containerId, hook.exec.command ?? [], timeoutSeconds);
      if (result.exitCode !== 0) throw new Error(`command '${(hook.exec.command ?? []).join(' ')}' exited with ${result.exitCode}: ${result.stdout}${result.stderr}`);
      return;
    }
    if (hook.httpGet) {
      const port = resolvePort(hook.httpGet.port, target.container);
      const status = await httpStatus(hook.httpGet.host ?? target.podIP, port, hook.httpGet.path ?? '/', timeoutSeconds);
      if (status < 200 || status >= 400) throw new Error(`HTTP lifecycle hook (${hook.httpGet.path ?? '/'}) for Container "${target.container.name}" returned status ${status}`);
      return;
    }
    if (hook.sleep) await new Promise<void>((resolve) => clock.setTimeout(resolve, hook.sleep!.seconds * 1000));
  };
}

function httpStatus(host: string, port: number, path: string, timeoutSeconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, timeout: timeoutSeconds * 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
