#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader: no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import(new URL('../fleet/cli/main.ts', import.meta.url).href);
process.exitCode = await runCli(process.argv.slice(2));
