import { Command } from 'commander';
import { registerAgentCommand } from './agent.ts';
import { registerImagesCommand } from './images.ts';
import { registerKillallCommand } from './killall.ts';
import { registerCheckCommand } from './check.ts';
import { SKIFF_VERSION } from '../apiserver/version.ts';

/** `skiff`: one binary, one subcommand per component wiring (server, agent, ...), k3s-style. */
const program = new Command('skiff').description('A small, fast, real Kubernetes in TypeScript').version(SKIFF_VERSION);
// `skiff agent` loads only the node side: the control plane's modules (API server, storage,
// controllers, scheduler) would add ~24 MiB to every agent's memory (issue 4's agent memory target).
if (process.argv[2] !== 'agent') (await import('./server.ts')).registerServerCommand(program);
registerAgentCommand(program);
registerImagesCommand(program);
registerKillallCommand(program);
registerCheckCommand(program);
await program.parseAsync(process.argv);
