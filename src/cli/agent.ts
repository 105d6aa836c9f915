import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stopOnSignal } from './run-until-signal.ts';
import { hostname } from 'node:os';
import { RestClient } from '../client/rest-client.ts';
import { DEFAULT_NODE_TEMPLATE, parseKeyValues, parseTaints } from '../kubelet/simulated/node-template.ts';
import { defaultDataDir } from './data-dir.ts';
import { startNodeAgent } from './node-agent.ts';
import { addNodeOptions, nodeOptionsFromFlags, type NodeFlags } from './node-flags.ts';

/** Flags of `skiff agent`, as commander hands them over. */
export interface AgentFlags extends NodeFlags {
  server: string;
  token: string;
  serverCa?: string;
  simulate?: string;
  nodeNamePrefix: string;
  nodeCapacity?: string;
  dataDir: string;
}

/**
 * The CA that signed the server's certificate: `--server-ca`, or, when the agent shares a data
 * dir with a server on the same machine, that server's `server/tls/ca.crt`. There is no
 * k3s-style CA discovery (`/cacerts` checked against a hash in the token) yet.
 */
export function resolveServerCA(flags: Pick<AgentFlags, 'serverCa' | 'dataDir'>): string {
  if (flags.serverCa) return readFileSync(resolve(flags.serverCa), 'utf8');
  const local = join(resolve(flags.dataDir), 'server', 'tls', 'ca.crt');
  if (existsSync(local)) return readFileSync(local, 'utf8');
  throw new Error('--server-ca is required: the file holding the CA certificate of the server (DIR/server/tls/ca.crt on the server)');
}

/** pino's numeric levels. */
const LEVELS = { info: 30, warn: 40 } as const;

/**
 * A logger writing the JSON lines pino writes (level, time, pid, hostname, name, fields, msg) to
 * stderr. The agent does not load pino itself: with its worker-thread transport machinery it was
 * 5.5 MiB of a node agent's 60 MB budget (issue 4), for two log calls.
 */
export function jsonLineLogger(name: string): Record<keyof typeof LEVELS, (fields: Record<string, unknown>, msg: string) => void> {
  const host = hostname();
  const write = (level: number) => (fields: Record<string, unknown>, msg: string) => {
    process.stderr.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: host, name, ...fields, msg })}\n`);
  };
  return { info: write(LEVELS.info), warn: write(LEVELS.warn) };
}

/**
 * Starts an agent: connects to the server with the join token (the server maps it to user
 * system:skiff-agent in group system:nodes) and runs a real node (kubelet over containerd), or
 * `--simulate N` hollow nodes. Returns a function that stops the agent.
 */
export async function runAgent(flags: AgentFlags): Promise<() => Promise<void>> {
  if (!flags.token) throw new Error('--token is required (the server writes it to DIR/server/node-token)');
  const log = jsonLineLogger('skiff-agent');
  if (flags.simulate === undefined) {
    // bin/skiff.js set this process's V8 flags for a small footprint before the agent's code loaded.
    const agent = await startNodeAgent({
      dataDir: resolve(flags.dataDir),
      server: flags.server,
      ca: resolveServerCA(flags),
      token: flags.token,
      ...nodeOptionsFromFlags(flags),
      log: (msg, extra) => log.warn(extra ?? {}, msg),
    });
    process.stdout.write(`skiff agent is running node ${agent.nodeName}\n`);
    return agent.stop;
  }
  const count = Number(flags.simulate);
  if (!Number.isInteger(count) || count < 1) throw new Error('--simulate needs a whole number of nodes (N >= 1)');
  mkdirSync(join(resolve(flags.dataDir), 'agent'), { recursive: true, mode: 0o700 });
  const client = new RestClient({ server: flags.server, token: flags.token.trim(), ca: resolveServerCA(flags), userAgent: 'skiff-agent/0.1.0' });
  // Hollow nodes are loaded only when asked for: a real node does not carry their code.
  const { SimulatedNodes } = await import('../kubelet/simulated/simulated-nodes.ts');
  const sim = new SimulatedNodes({
    client,
    count,
    template: {
      namePrefix: flags.nodeNamePrefix,
      capacity: flags.nodeCapacity ? { ...DEFAULT_NODE_TEMPLATE.capacity, ...parseKeyValues(flags.nodeCapacity) } : DEFAULT_NODE_TEMPLATE.capacity,
      labels: parseKeyValues(flags.nodeLabels),
      taints: parseTaints(flags.nodeTaints),
    },
    log: (msg, extra) => log.warn(extra ?? {}, msg),
  });
  await sim.start();
  log.info({ nodes: count, prefix: flags.nodeNamePrefix, server: flags.server }, 'simulated nodes are registered');
  process.stdout.write(`skiff agent is running ${count} simulated node(s): ${sim.names[0]}${count > 1 ? ` ... ${sim.names[count - 1]}` : ''}\n`);
  return async () => {
    await sim.stop();
    client.close();
  };
}

/** Registers `skiff agent` (k3s-style flags, plus the simulation ones). */
export function registerAgentCommand(program: Command): void {
  const agent = program
    .command('agent')
    .description('Join a cluster as a node: kubelet with containerd, or simulated (hollow) nodes for scale tests')
    .requiredOption('--server <url>', 'URL of the API server, e.g. https://10.0.0.1:6443')
    .requiredOption('--token <token>', 'join token (DIR/server/node-token on the server)')
    .option('--server-ca <file>', 'CA certificate of the server (DIR/server/tls/ca.crt on the server)')
    .option('--simulate <n>', 'run N simulated nodes instead of a kubelet')
    .option('--node-name-prefix <prefix>', 'name prefix of simulated nodes', DEFAULT_NODE_TEMPLATE.namePrefix)
    .option('--node-capacity <list>', 'capacity of simulated nodes, e.g. cpu=32,memory=256Gi,pods=110')
    .option('--data-dir <dir>', 'folder holding state', defaultDataDir());
  addNodeOptions(agent)
    .action(async (flags: AgentFlags) => {
      stopOnSignal(await runAgent(flags));
    });
}
