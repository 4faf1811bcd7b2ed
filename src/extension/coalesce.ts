/**
 * Runs `fn` once per `ms` at most, at the end of the window that the first request opened. The store
 * changes once per port during a scan; redrawing the tree and re-posting every result to the webview
 * for each one starved the extension host (a 3000-port scan with the results panel open advanced ~3
 * ports a second and did not get to Stop Scan for more than 15 s).
 */
export function coalesce(fn: () => void, ms: number): { request(): void; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    request() {
      timer ??= setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
