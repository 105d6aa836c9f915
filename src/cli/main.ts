import { Command } from 'commander';
import { SKIFF_VERSION } from '../apiserver/version.ts';

/**
 * The subcommands, each loaded only when it runs: an agent process then never loads the API
 * server, its store drivers or the controllers (tens of MiB of code and heap), and `--version`
 * starts fast. Help without a subcommand loads them all to list their options.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  server: async () => (await import('./server.ts')).registerServerCommand,
  agent: async () => (await import('./agent.ts')).registerAgentCommand,
  images: async () => (await import('./images.ts')).registerImagesCommand,
  killall: async () => (await import('./killall.ts')).registerKillallCommand,
  check: async () => (await import('./check.ts')).registerCheckCommand,
};

/** `skiff`: one binary, one subcommand per component wiring (server, agent, ...), k3s-style. */
const program = new Command('skiff').description('A small, fast, real Kubernetes in TypeScript').version(SKIFF_VERSION);
const requested = process.argv[2];
const toLoad = requested !== undefined && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
for (const name of toLoad) (await COMMANDS[name]!())(program);
await program.parseAsync(process.argv);
