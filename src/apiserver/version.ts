/** The Kubernetes version skiff implements; kubectl compares it with its own for version skew warnings. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' };
export const SKIFF_VERSION = '0.1.0';

/** The `/version` document (version.Info). */
export function versionInfo(): Record<string, string> {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}+skiff-${SKIFF_VERSION}`,
    gitCommit: 'unknown',
    gitTreeState: 'clean',
    buildDate: '2026-11-23T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
