import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Unmounts every mount point at or below `dir` (deepest first, lazily so busy overlay mounts
 * left by a killed containerd still go); returns the mount points it unmounted.
 */
export function unmountUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && (p === dir || p.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  return points;
}

/** True when a network link named `name` exists. */
export function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}

/** Deletes the link `name` if present. */
export function deleteLink(name: string): void {
  if (linkExists(name)) spawnSync('ip', ['link', 'delete', name], { stdio: 'ignore' });
}

/** Splits one iptables-save rule line into arguments (iptables-save quotes like a shell, with \" escapes). */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && quoted && line[i + 1] === '"') { current += '"'; i++; continue; }
    if (ch === '"') { quoted = !quoted; started = true; continue; }
    if (ch === ' ' && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
      continue;
    }
    current += ch;
    started = true;
  }
  if (started) args.push(current);
  return args;
}

/**
 * Deletes every iptables rule (all tables) whose iptables-save line contains `needle` — e.g. a
 * pod CIDR prefix — and then flushes and removes the CNI-* chains those rules jumped to, which
 * is what the bridge (ipMasq) and portmap plugins leave behind if a CNI DEL never ran.
 * Returns the rules deleted.
 */
export function removeIptablesRulesMatching(needle: string): string[] {
  const dump = execFileSync('iptables-save', { encoding: 'utf8' });
  const removed: string[] = [];
  const chains: { table: string; chain: string }[] = [];
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    if (!line.startsWith('-A ') || !line.includes(needle)) continue;
    const args = splitRule(line);
    const result = spawnSync('iptables', ['-w', '-t', table, '-D', ...args.slice(1)], { stdio: 'ignore' });
    if (result.status !== 0) continue;
    removed.push(`${table}: ${line}`);
    const jump = args[args.indexOf('-j') + 1];
    if (args.includes('-j') && jump?.startsWith('CNI-')) chains.push({ table, chain: jump });
  }
  for (const { table: t, chain } of chains) {
    spawnSync('iptables', ['-w', '-t', t, '-F', chain], { stdio: 'ignore' });
    spawnSync('iptables', ['-w', '-t', t, '-X', chain], { stdio: 'ignore' });
  }
  return removed;
}
