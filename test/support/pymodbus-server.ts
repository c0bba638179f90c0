import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SCRIPT = fileURLToPath(new URL('./pymodbus_rtu_server.py', import.meta.url));

/** Debian's python (the one with python3-pymodbus), never the first python3 on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PymodbusServer {
  /** Sets a discrete input of the server's datastore. */
  setInput(address: number, on: boolean): void;
  /** A pulse on a discrete input, timed by the server (see pymodbus_rtu_server.py); resolves once it is over. */
  pulseInput(address: number, ms: number): Promise<void>;
  /** Stops answering (and answers again). */
  setSilent(silent: boolean): void;
  /** A holding register of the server's datastore, as the server reads it now. */
  register(address: number): Promise<number>;
  /** Resolves once every command sent before it has been applied. */
  sync(): Promise<void>;
  /** Current coil values as the server reported their changes. */
  readonly coils: Map<number, boolean>;
  onCoil(listener: (address: number, on: boolean) => void): () => void;
  readonly errors: string[];
  stop(): Promise<void>;
}

/** Runs test/support/pymodbus_rtu_server.py on a tty and resolves once it is ready. */
export async function startPymodbusServer(ttyPath: string, unit = 1): Promise<PymodbusServer> {
  const proc: ChildProcess = spawn(SYSTEM_PYTHON, [SCRIPT, ttyPath, String(unit)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const coils = new Map<number, boolean>();
  const listeners = new Set<(address: number, on: boolean) => void>();
  const pongs: (() => void)[] = [];
  const registerReads: ((value: number) => void)[] = [];
  const pulseEnds = new Map<number, () => void>();
  const errors: string[] = [];
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  const exit = new Promise<void>((r) => proc.once('exit', () => ((exited = true), r())));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const [kind, a, v] = line.split(' ');
      if (kind === 'ready') resolve();
      else if (kind === 'pong') pongs.shift()?.();
      else if (kind === 'hr') registerReads.shift()?.(Number(v));
      else if (kind === 'pulsed') pulseEnds.get(Number(a))?.();
      else if (kind === 'coil') {
        coils.set(Number(a), v === '1');
        for (const l of [...listeners]) l(Number(a), v === '1');
      } else errors.push(line);
    });
    void exit.then(() => reject(new Error(`pymodbus server exited: ${stderr.trim()}`)));
  });
  await ready;
  const send = (line: string): void => {
    if (!exited) proc.stdin?.write(`${line}\n`);
  };
  return {
    setInput: (address, on) => send(`di ${address} ${on ? 1 : 0}`),
    pulseInput: (address, ms) =>
      new Promise<void>((resolve) => {
        pulseEnds.set(address, resolve);
        send(`pulse ${address} ${ms}`);
      }),
    setSilent: (silent) => send(`silent ${silent ? 1 : 0}`),
    register: (address) =>
      new Promise<number>((resolve) => {
        registerReads.push(resolve);
        send(`hr ${address}`);
      }),
    sync: () =>
      new Promise<void>((resolve) => {
        pongs.push(resolve);
        send('ping');
      }),
    coils,
    onCoil: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    errors,
    async stop() {
      if (exited) return;
      send('quit');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(timer);
    },
  };
}
