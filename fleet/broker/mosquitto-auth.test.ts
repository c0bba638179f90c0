import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMosquittoAuthSync, renderAclFile, renderMosquittoConf, renderPasswordFile } from './mosquitto-auth.ts';

describe('Mosquitto auth files', () => {
  it('writes one pattern line per allowed topic and direction, and full rights for the service user', () => {
    const acl = renderAclFile('_fleet');
    expect(acl).toContain('pattern write resabox/v1/box/%u/passes\n');
    expect(acl).toContain('pattern read resabox/v1/box/%u/passes/ack\n');
    expect(acl).toContain('pattern read resabox/v1/box/%u/commands\n');
    expect(acl).not.toMatch(/pattern (read|write|readwrite) .*[+#]/);
    expect(acl).not.toMatch(/pattern readwrite/);
    expect(acl).toContain('user _fleet\ntopic readwrite resabox/v1/#\n');
  });

  it('refuses a username that would corrupt the password file', () => {
    expect(() => renderPasswordFile([{ username: 'a:b', hash: '$7$x' }])).toThrow();
  });

  it('lists only active boxes with a broker hash, rewrites both files and reloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-mqauth-'));
    try {
      let reloads = 0;
      const sync = createMosquittoAuthSync({
        passwordFile: join(dir, 'passwd'),
        aclFile: join(dir, 'acl'),
        service: { username: '_fleet', hash: '$7$101$s$h' },
        activeBoxes: async () => [
          { id: 'box-a', brokerCredentialHash: '$7$101$a$a' },
          { id: 'box-b', brokerCredentialHash: null },
        ],
        reload: () => reloads++,
      });
      await sync.sync();
      expect(readFileSync(join(dir, 'passwd'), 'utf8')).toBe('_fleet:$7$101$s$h\nbox-a:$7$101$a$a\n');
      expect(readFileSync(join(dir, 'acl'), 'utf8')).toBe(renderAclFile('_fleet'));
      expect(reloads).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts listener settings after the listeners, so Mosquitto opens no default listener on 1883', () => {
    const lines = renderMosquittoConf({ passwordFile: 'p', aclFile: 'a', maxPacketBytes: 1024, listeners: ['listener 18830 127.0.0.1'] }).split('\n');
    const firstListener = lines.findIndex((l) => l.startsWith('listener '));
    expect(firstListener).toBeGreaterThanOrEqual(0);
    // Listener-scoped options (Mosquitto 2.0 docs); one of them before any listener line creates the default listener.
    const listenerScoped = /^(use_username_as_clientid|max_connections|protocol|socket_domain|mount_point|bind_interface|http_dir|use_identity_as_username|use_subject_as_username|certfile|keyfile|cafile|require_certificate)\b/;
    expect(lines.slice(0, firstListener).filter((l) => listenerScoped.test(l))).toEqual([]);
    expect(lines).toContain('use_username_as_clientid true');
  });
});

describe('several box listeners, and the fleet instances\' own listener', () => {
  // Checked against Mosquitto 2.0.11: written once after two listeners, the setting covered only the second.
  it('binds the client id to the username on every box listener, not on the service listener', () => {
    const lines = renderMosquittoConf({ passwordFile: 'p', aclFile: 'a', maxPacketBytes: 1024, listeners: ['listener 1883', 'listener 8883\ncertfile c\nkeyfile k'], serviceListeners: ['listener 1884 10.0.0.1'] })
      .split('\n')
      .filter((l) => /^(listener|use_username_as_clientid)/.test(l));
    expect(lines).toEqual(['listener 1883', 'use_username_as_clientid true', 'listener 8883', 'use_username_as_clientid true', 'listener 1884 10.0.0.1']);
  });
});
