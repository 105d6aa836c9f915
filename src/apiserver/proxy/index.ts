/**
 * The API server's streaming proxy to kubelets: importing this module registers pods/log,
 * pods/exec, pods/attach and pods/portforward with the resource router.
 */
import './pod-log.ts';
import './remote-command.ts';
import './port-forward.ts';
