// The sections of the box page, in page order. A section is one module exporting
// `{ id, title, wide?, topics, load(ctx), render(el, data, ctx) }`:
// - load(ctx) fetches what the section shows (ctx.box is already loaded; ctx.id is the
//   encoded box id); it may return null;
// - render(el, data, ctx) fills the section's own element. The element stays in the page
//   across live refreshes, so a section may keep state there (charts, an open log viewer);
// - topics: the live changes (boxes, health, passes, events, commands, alerts) that redraw it.
// To add a section (hardware model, release, config diff, doctor, timeline...), write its
// module in this folder and add it to this list.
import { actionsSection } from './actions.js';
import { alertsSection } from './alerts.js';
import { commandsSection } from './commands.js';
import { configSection } from './config.js';
import { devicesSection } from './devices.js';
import { doctorSection } from './doctor.js';
import { escalationSection } from './escalation.js';
import { eventsSection } from './events.js';
import { healthSection } from './health.js';
import { passesSection } from './passes.js';
import { softwareSection } from './software.js';

export const SECTIONS = [actionsSection, doctorSection, devicesSection, escalationSection, softwareSection, configSection, alertsSection, healthSection, passesSection, eventsSection, commandsSection];
