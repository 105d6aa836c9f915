/**
 * Summarizes a V8 `.cpuprofile` (as `node --cpu-prof` writes it): self time per function, so a
 * benchmark report can name the server's hot functions.
 *
 * Run alone: `node --import tsx bench/profile-summary.ts FILE.cpuprofile [top=25]`
 */
import { readFileSync } from 'node:fs';
import { isMain } from './workload.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The parts of a V8 CPU profile this summary reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples. */
export interface HotFunction {
  name: string;
  /** `file:line` relative to the repo (or the node: / native location). */
  location: string;
  selfMs: number;
  selfPercent: number;
}

function shortUrl(url: string): string {
  const repo = url.indexOf('/work/main/');
  if (repo >= 0) return url.slice(repo + '/work/main/'.length);
  const nm = url.lastIndexOf('node_modules/');
  return nm >= 0 ? url.slice(nm) : url || '(native)';
}

/** Self time per function (grouped by name and location), highest first, `top` entries. */
export function hotFunctions(profile: CpuProfile, top = 25): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; location: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    const name = frame.functionName || '(anonymous)';
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : shortUrl(frame.url);
    const key = `${name}@${location}`;
    const entry = self.get(key) ?? { name, location, us: 0 };
    entry.us += delta;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, location: e.location, selfMs: Math.round(e.us / 1000), selfPercent: total ? Math.round((1000 * e.us) / total) / 10 : 0 }));
}

if (isMain(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  for (const f of hotFunctions(profile, Number(top) || 25)) console.log(`${String(f.selfPercent).padStart(5)}%  ${String(f.selfMs).padStart(7)} ms  ${f.name}  ${f.location}`);
}
