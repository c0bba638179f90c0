/**
 * The system programs the test suites drive (Debian packages), in one place: `npm test`
 * checks them first (check-peers.ts), and installs the missing ones itself when it runs as
 * root with apt. A suite that starts using another system program adds it here.
 */
export interface SystemPeer {
  /** The Debian package that provides it. */
  readonly debian: string;
  /** What the tests use it for (said when it is missing). */
  readonly usedFor: string;
  /**
   * How the tests reach it, so the check sees what they will see: a command looked up on
   * PATH, an absolute path, or a command that must exit 0.
   */
  readonly probe: { readonly onPath: string } | { readonly file: string } | { readonly run: readonly string[] };
  /** Run (best effort) right after apt-get installed it. */
  readonly afterInstall?: readonly string[];
}

export const SYSTEM_PEERS: readonly SystemPeer[] = [
  { debian: 'socat', usedFor: 'virtual serial links', probe: { onPath: 'socat' } },
  {
    debian: 'mosquitto',
    usedFor: 'the external-broker suites',
    probe: { file: '/usr/sbin/mosquitto' },
    // The tests start their own brokers on free ports; the packaged service would hold 1883,
    // which some suites name as a fleet that does not answer.
    afterInstall: ['systemctl', 'stop', 'mosquitto'],
  },
  { debian: 'mbpoll', usedFor: 'the Modbus master peer', probe: { onPath: 'mbpoll' } },
  { debian: 'python3-pymodbus', usedFor: 'the Modbus server peer', probe: { run: ['/usr/bin/python3', '-c', 'import pymodbus'] } },
  { debian: 'chromium', usedFor: 'the browser tests', probe: { file: '/usr/bin/chromium' } },
  // The PostgreSQL store suites start their own servers (initdb, pg_ctl) on free ports.
  { debian: 'postgresql-15', usedFor: 'the PostgreSQL store suites', probe: { file: '/usr/lib/postgresql/15/bin/initdb' } },
];
