#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader: no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import(new URL('../fleet/cli/main.ts', import.meta.url).href);
const code = await runCli(process.argv.slice(2));
// A failed start exits now, whatever handle a half-started component may still hold.
if (code !== 0) process.exit(code);
