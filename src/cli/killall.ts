import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { killAll } from '../kubelet/runtime/killall.ts';
import { defaultDataDir } from './data-dir.ts';

/**
 * `skiff killall`: like k3s-killall.sh, stops every pod, container and containerd the agent of
 * DIR started and removes the network state it created. Stopping the agent alone leaves pods running.
 */
export function registerKillallCommand(program: Command): void {
  program
    .command('killall')
    .description('Stop every pod, container and containerd of this node and remove its network state')
    .option('--data-dir <dir>', 'folder holding state', defaultDataDir())
    .option('--cni-bridge <name>', 'host bridge of the pod network', 'skiff0')
    .action(async (flags: { dataDir: string; cniBridge: string }) => {
      if (process.getuid?.() !== 0) throw new Error('skiff killall needs root');
      const report = await killAll(join(resolve(flags.dataDir), 'agent'), flags.cniBridge);
      process.stdout.write(`removed ${report.sandboxes} pod sandbox(es), stopped ${report.killedPids.length} process(es), unmounted ${report.unmounted} mount(s)\n`);
    });
}
