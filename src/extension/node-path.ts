import { ownRuntime, type NodeRuntime } from '../helper/runtime';

/**
 * What runs the helper and the checker: the `portlab.nodePath` setting when given, else the extension
 * host's own runtime (VS Code desktop: its Electron run as Node.js; Remote-SSH, WSL, code-server: the
 * server's node). The native layer is on Node-API, so no Node.js of the student's is needed.
 */
export function resolveNodeRuntime(setting: string): NodeRuntime {
  return setting ? { path: setting, runAsNode: false } : ownRuntime();
}
