import type { DemoProcess } from './demo-process.ts';

/** What the demo's banner says about the club screens and its control surface. */
export interface DemoScreens {
  readonly deskPin: string;
  readonly controlUrl: string;
  readonly pages: ReadonlyMap<string, { readonly totem: string; readonly desk: string }>;
}

export function demoScreens(demo: DemoProcess): DemoScreens {
  const out = demo.output();
  const deskPin = /desk PIN (\d{6})/.exec(out)?.[1];
  const controlUrl = /Demo control:\s+(\S+)/.exec(out)?.[1];
  if (!deskPin || !controlUrl) throw new Error(`the banner names no desk PIN or demo control:\n${out}`);
  const pages = new Map<string, { totem: string; desk: string }>();
  for (const m of out.matchAll(/^\s+(\S+) \(.*\):\s+totem (\S+)\s+desk (\S+)$/gm)) pages.set(m[1] as string, { totem: m[2] as string, desk: m[3] as string });
  return { deskPin, controlUrl, pages };
}

/** A call to the demo's control surface (demo/control.ts); throws on a refusal. */
export async function control<T = Record<string, unknown>>(screens: DemoScreens, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${screens.controlUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
