#!/usr/bin/env node
// Runs the resabox CLI's TypeScript entry point through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
