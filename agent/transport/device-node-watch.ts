import { stat } from 'node:fs/promises';

/**
 * Watches that the device node a serial port was opened through still exists and is still the
 * same device, and calls `onGone` once when it is not.
 *
 * Why: after a tty hang-up (USB adapter unplugged, pty master closed) Linux answers reads with
 * 0 bytes. serialport retries such reads forever, spinning a CPU core, and never reports the
 * disconnect when no read was waiting at the moment of the hang-up. The node disappearing, or a
 * new device taking its name, is the sign that does not depend on that race.
 */
export async function watchDeviceNode(path: string, intervalMs: number, onGone: (why: string) => void): Promise<() => void> {
  const first = await stat(path).catch(() => undefined);
  if (!first) return () => undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  const gone = (why: string): void => {
    if (stopped) return;
    stop();
    onGone(why);
  };
  const timer = setInterval(() => {
    stat(path).then(
      (now) => {
        if (now.ino !== first.ino || now.rdev !== first.rdev) gone(`${path} now names another device`);
      },
      (e: NodeJS.ErrnoException) => gone(`${path} is gone (${e.code ?? e.message})`),
    );
  }, intervalMs);
  timer.unref();
  return stop;
}
