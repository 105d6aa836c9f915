/**
 * The API server's streaming proxy to kubelets: importing this module registers pods/log,
 * pods/exec, pods/attach, pods/portforward and nodes/proxy with the resource router.
 */
import './pod-log.ts';
import './remote-command.ts';
import './port-forward.ts';
import './node-proxy.ts';
