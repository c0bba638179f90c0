import { SqlRolloutStore } from '../rollouts/rollout-store.ts';
import { SqlAlertDesk } from './alert-desk.ts';
import { sqlAlerts } from './alerts.ts';
import { SqlAuditTrail } from './audit-trail.ts';
import { SqlBoxDirectory } from './box-directory.ts';
import { sqlBoxes, sqlClubs, sqlDevices } from './boxes.ts';
import { SqlCommandLog } from './command-log.ts';
import { SqlDesiredConfigs } from './desired-configs.ts';
import { SqlEnrollmentRequests } from './enrollment-requests.ts';
import { SqlFleetHistory } from './fleet-history.ts';
import type { LiveProbe } from './live-probe.ts';
import { SqlPassReports } from './pass-reports.ts';
import { sqlPasses } from './passes.ts';
import type { FleetRepositories } from './repositories.ts';
import { SqlRelayPeers } from './relay-peers.ts';
import { SqlRightsCatalog } from './rights-catalog.ts';
import type { Sql } from './sql.ts';
import { SqlSupportQueries } from './support-queries.ts';
import { sqlEvents, sqlHealth } from './telemetry.ts';
import { SqlTokenRegistry } from './token-registry.ts';

/** Every repository over one connection (SQLite or PostgreSQL); the engine brings its change probe. */
export function sqlRepositories(sql: Sql, live: LiveProbe): FleetRepositories {
  return {
    clubs: sqlClubs(sql),
    boxes: sqlBoxes(sql),
    devices: sqlDevices(sql),
    health: sqlHealth(sql),
    events: sqlEvents(sql),
    passes: sqlPasses(sql),
    alerts: sqlAlerts(sql),
    alertDesk: new SqlAlertDesk(sql),
    directory: new SqlBoxDirectory(sql),
    history: new SqlFleetHistory(sql),
    passReports: new SqlPassReports(sql),
    audit: new SqlAuditTrail(sql),
    commands: new SqlCommandLog(sql),
    enrollments: new SqlEnrollmentRequests(sql),
    rights: new SqlRightsCatalog(sql),
    tokens: new SqlTokenRegistry(sql),
    rollouts: new SqlRolloutStore(sql),
    desiredConfigs: new SqlDesiredConfigs(sql),
    live,
    support: new SqlSupportQueries(sql),
    relayPeers: new SqlRelayPeers(sql),
  };
}
