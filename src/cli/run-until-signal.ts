/**
 * Keeps a started component running until SIGTERM or SIGINT, then stops it once and exits 0
 * (what `skiff server` and `skiff agent` do on Ctrl-C or a service manager's stop).
 */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
