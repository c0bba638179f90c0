import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SYSTEM_PEERS, type SystemPeer } from './system-peers.ts';

/**
 * `npm test` runs this first (the "pretest" script). Every peer present: silent, exit 0.
 * Some missing: as root with apt-get, installs them (apt-get update, then install) and checks
 * again; otherwise stops at once with one message that names the exact install command.
 */
export type PeerPlan =
  | { readonly kind: 'ready' }
  | { readonly kind: 'install'; readonly peers: readonly SystemPeer[] }
  | { readonly kind: 'stop'; readonly message: string };

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function onPath(command: string, path: string | undefined): string | undefined {
  return (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command)).find(executable);
}

export function isPresent(peer: SystemPeer, path: string | undefined): boolean {
  const p = peer.probe;
  if ('onPath' in p) return onPath(p.onPath, path) !== undefined;
  if ('file' in p) return executable(p.file);
  const [command, ...args] = p.run;
  return command !== undefined && spawnSync(command, args, { stdio: 'ignore', timeout: 20_000, env: { ...process.env, PATH: path ?? '' } }).status === 0;
}

export function installCommand(peers: readonly SystemPeer[], root: boolean): string {
  const sudo = root ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${peers.map((p) => p.debian).join(' ')}`;
}

/** What to do about `missing`: nothing, install them here, or stop with the message. */
export function plan(missing: readonly SystemPeer[], host: { readonly root: boolean; readonly aptGet: boolean }): PeerPlan {
  if (missing.length === 0) return { kind: 'ready' };
  if (host.root && host.aptGet) return { kind: 'install', peers: missing };
  const list = missing.map((p) => `${p.debian} (${p.usedFor})`).join(', ');
  return { kind: 'stop', message: `npm test needs system packages that are missing: ${list}.\nInstall them, then run npm test again:\n  ${installCommand(missing, host.root)}` };
}

function install(peers: readonly SystemPeer[], env: NodeJS.ProcessEnv): void {
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  process.stdout.write(`npm test: installing the missing system packages: ${peers.map((p) => p.debian).join(' ')}\n`);
  for (const args of [['update', '-q'], ['install', '-y', '-q', '--no-install-recommends', ...peers.map((p) => p.debian)]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: aptEnv });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status ?? r.signal})`);
  }
  for (const p of peers) if (p.afterInstall) spawnSync(p.afterInstall[0] as string, p.afterInstall.slice(1), { stdio: 'ignore', env: aptEnv });
}

/** The check, for an environment (PATH) and a user; returns the exit code. */
export function checkPeers(env: NodeJS.ProcessEnv, root: boolean, peers: readonly SystemPeer[] = SYSTEM_PEERS): number {
  const missing = () => peers.filter((p) => !isPresent(p, env.PATH));
  const host = { root, aptGet: onPath('apt-get', env.PATH) !== undefined };
  const first = plan(missing(), host);
  if (first.kind === 'ready') return 0;
  if (first.kind === 'stop') {
    console.error(first.message);
    return 1;
  }
  try {
    install(first.peers, env);
  } catch (e) {
    console.error(`npm test: ${(e as Error).message}. Install by hand:\n  ${installCommand(first.peers, root)}`);
    return 1;
  }
  const after = plan(missing(), { ...host, aptGet: false });
  if (after.kind === 'stop') console.error(after.message);
  return after.kind === 'ready' ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = checkPeers(process.env, process.getuid?.() === 0);
