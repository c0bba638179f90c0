import type { Role } from '../store/token-registry.ts';

/**
 * What each role may do. Routes name one permission (route config `permission`); this
 * table is the only place that maps permissions to roles, so the role matrix test and
 * docs/fleet-api.md read it from here.
 */
export const PERMISSIONS = {
  /** Boxes, devices, health, events, alerts, commands: the technical team's monitoring. */
  'fleet.read': ['viewer', 'technician', 'support', 'admin'],
  /** Create boxes and enrollment codes, accept/reject enrollments, tag, revoke. */
  'boxes.manage': ['technician', 'admin'],
  /** Acknowledge, assign and silence alerts: the people who handle them. */
  'alerts.manage': ['technician', 'support', 'admin'],
  /** Who is notified of alerts (webhooks, e-mail addresses). */
  'notifications.manage': ['admin'],
  /** Remote commands (open a lane, restarts, logs, test ticket, diagnostics). */
  'commands.send': ['technician', 'support', 'admin'],
  /** Passes and the reports over them carry member ids: not for viewers. */
  'passes.read': ['support', 'admin'],
  /** Members' rights as stored (personal data). */
  'rights.read': ['support', 'admin'],
  /** The club management backend's write API; give it its own admin token. */
  'rights.write': ['admin'],
  'clubs.manage': ['admin'],
  /** Set a box's configuration remotely (desired/reported). */
  'config.manage': ['technician', 'support', 'admin'],
  /** Upload update artifacts and TUF metadata, create and steer rollouts. */
  'updates.manage': ['support', 'admin'],
  'audit.read': ['support', 'admin'],
  'tokens.manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const roleMay = (role: Role, permission: Permission): boolean => (PERMISSIONS[permission] as readonly Role[]).includes(role);
