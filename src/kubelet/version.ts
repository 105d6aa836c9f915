/** The version the kubelet reports in node status (nodeInfo.kubeletVersion), matching the API server's Kubernetes version. */
export const KUBELET_VERSION = 'v1.32.0+skiff';
