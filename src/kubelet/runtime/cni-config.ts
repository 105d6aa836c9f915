import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CNI network name skiff's pods join, and the host bridge it creates. */
export const CNI_NETWORK_NAME = 'skiff';
/** Host bridge device name (k3s's flannel uses cni0; skiff names its host objects "skiff"). */
export const CNI_BRIDGE = 'skiff0';
/** File name of the conflist inside the CNI conf dir (containerd loads the lexically first). */
export const CNI_CONFLIST_FILE = '10-skiff.conflist';

/**
 * The bridge conflist for a node's pod CIDR: bridge (gateway) with host-local IPAM and a default
 * route (masquerade is one node-wide rule, `ensurePodMasquerade`, not the plugin's per-pod chains), then portmap for hostPort (capability portMappings, which containerd fills
 * from the sandbox's port mappings). Loopback is set up by containerd itself, as in k3s.
 * `ipamDataDir` overrides where host-local records leased IPs.
 */
export function buildCniConflist(podCIDR: string, ipamDataDir?: string, bridge = CNI_BRIDGE): object {
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          // host-local's default lease store is /var/lib/cni/networks; an agent may keep it in its own dir.
          ...(ipamDataDir ? { dataDir: ipamDataDir } : {}),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the conflist into `confDir` (created if needed); returns the file path. `bridge` names the host bridge. */
export function writeCniConfig(confDir: string, podCIDR: string, ipamDataDir?: string, bridge = CNI_BRIDGE): string {
  mkdirSync(confDir, { recursive: true });
  const path = join(confDir, CNI_CONFLIST_FILE);
  writeFileSync(path, `${JSON.stringify(buildCniConflist(podCIDR, ipamDataDir, bridge), null, 2)}\n`);
  return path;
}
