import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  type: string;
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** Files of installed packages the pages load, under /ui/vendor/: the kept chart library. */
const VENDOR: Record<string, string> = {
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/**
 * What the dashboard serves: every file under public/ (sub-folders included) and the
 * vendor files above, read once at start. A fixed map, so no path from a request ever
 * reaches the file system.
 */
export function loadDashboardFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      const type = TYPES[extname(entry.name)];
      if (entry.isFile() && type && !entry.name.endsWith('.test.js')) files.set(relative(PUBLIC_DIR, path).split(sep).join('/'), { body: readFileSync(path), type });
    }
  };
  walk(PUBLIC_DIR);
  const require = createRequire(import.meta.url);
  for (const [name, spec] of Object.entries(VENDOR)) {
    const path = join(dirname(require.resolve(`${spec.split('/')[0]}/package.json`)), spec.split('/').slice(1).join('/'));
    files.set(`vendor/${name}`, { body: readFileSync(path), type: TYPES[extname(name)] as string });
  }
  return files;
}
