import type { Command } from 'commander';
import { checkHost } from '../kubelet/runtime/host-check.ts';

/** `skiff check`: reports missing host prerequisites of a node with what to install; exits 1 if any is missing. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('Check that this host can run a node (containerd, runc, CNI plugins, iptables, cgroups, root)')
    .action(() => {
      const checks = checkHost();
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok     ' : 'MISSING'}  ${c.name}${c.fix ? `: ${c.fix}` : ''}\n`);
      const missing = checks.filter((c) => !c.ok).length;
      process.stdout.write(missing ? `${missing} prerequisite(s) missing\n` : 'this host can run a skiff node\n');
      process.exitCode = missing ? 1 : 0;
    });
}
