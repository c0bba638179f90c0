import { join } from 'node:path';
import { buildRelease } from '../cli/release/build.ts';
import { checkoutVersion } from '../cli/release/checkout.ts';
import type { InstalledRelease } from './club-box.ts';

/** The hardware model of the demo's simulated boxes: what their releases are built for. */
export const DEMO_HARDWARE = 'rbx-demo';

/**
 * Compiles this checkout into a release (cli/release/build.ts: agent and launcher as
 * JavaScript, native modules for this machine) in `<data>/build/<version>`, at every
 * start so that the demo runs the code it was started from. Boxes that already have a
 * release keep theirs (demo/club-box.ts).
 */
export async function buildDemoRelease(dataDir: string): Promise<InstalledRelease> {
  const version = checkoutVersion();
  const built = await buildRelease({ out: join(dataDir, 'build', version), version, hardware: DEMO_HARDWARE });
  return { dir: built.dir, version, launcherFile: join(built.dir, 'launcher.mjs') };
}
