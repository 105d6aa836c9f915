import { Command } from 'commander';
import { registerServerCommand } from './server.ts';
import { registerAgentCommand } from './agent.ts';
import { registerImagesCommand } from './images.ts';
import { registerKillallCommand } from './killall.ts';
import { registerCheckCommand } from './check.ts';
import { SKIFF_VERSION } from '../apiserver/version.ts';

/** `skiff`: one binary, one subcommand per component wiring (server, agent, ...), k3s-style. */
const program = new Command('skiff').description('A small, fast, real Kubernetes in TypeScript').version(SKIFF_VERSION);
registerServerCommand(program);
registerAgentCommand(program);
registerImagesCommand(program);
registerKillallCommand(program);
registerCheckCommand(program);
await program.parseAsync(process.argv);
