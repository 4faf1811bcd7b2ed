import { loadNativeLayer } from './native-addon';

/**
 * Lets a process that is PortLab's alone (the CLI, the helper: never the editor's extension host, whose allocator
 * other extensions share) give back what its scans free: see mapLargeAllocations in native/common.cc. Called before
 * the bundle is read, whose freed buffer would otherwise raise glibc's threshold. Without the addon nothing changes:
 * the command that needs it says so.
 */
export function mapLargeAllocationsInThisProcess(): void {
  try {
    loadNativeLayer().mapLargeAllocations();
  } catch {
    // a build that does not load is reported by the command that needs it, with how to rebuild it
  }
}
