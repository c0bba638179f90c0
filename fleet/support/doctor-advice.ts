import type { DoctorCheck } from '../../protocol/mqtt/index.ts';

/** What support reads next to a failed or warning doctor line. */
export interface Advice {
  readonly cause: string;
  readonly nextStep: string;
}

type Rule = (check: DoctorCheck) => Advice;

const device = (what: string): Rule => (c) => ({
  cause: `The ${what}${c.subject ? ` “${c.subject}”` : ''} did not answer the box: it is switched off, unplugged, or its cable or adapter is loose or broken.`,
  nextStep: `Ask the club to check that the ${what} is powered on and that its cable is firmly plugged in at both ends (and the USB adapter into the box), then run the doctor again. If it still does not answer, restart the device from Support actions, then replace the cable or the ${what}.`,
});

/** By code first (the driver's or the doctor's), then by check kind. Plain words for support. */
const BY_CODE: Readonly<Record<string, Rule>> = {
  PRINTER_NO_REPLY: device('printer'),
  PRINTER_LINK_DOWN: (c) => ({
    cause: `The box cannot open the line to the printer${c.subject ? ` “${c.subject}”` : ''}: the USB or serial adapter is unplugged or not recognised.`,
    nextStep: 'Ask the club to unplug and plug the printer cable back into the box, then run the doctor again; if it persists, restart the agent, then replace the adapter.',
  }),
  PRINTER_PAPER_END: () => ({ cause: 'The printer answers but its paper roll is empty.', nextStep: 'Ask the front desk to load a new roll; waiting tickets print by themselves.' }),
  PRINTER_COVER_OPEN: () => ({ cause: 'The printer answers but its cover is open.', nextStep: 'Ask the front desk to close the printer cover firmly.' }),
  PRINTER_HARDWARE_ERROR: () => ({ cause: 'The printer reports an error of its own (cutter jam, print head).', nextStep: 'Ask the club to open the cover, remove any jammed paper, close it and switch the printer off and on.' }),
  MODBUS_TIMEOUT: device('turnstile I/O module'),
  MODBUS_LINK_DOWN: (c) => ({
    cause: `The box cannot open the RS-485 line of the turnstile${c.subject ? ` “${c.subject}”` : ''}: the USB adapter is unplugged or not recognised.`,
    nextStep: "Ask the club to check the turnstile's RS-485 adapter in the box, then run the doctor again; restart the agent if it stays down.",
  }),
  MODBUS_EXCEPTION: () => ({ cause: 'The turnstile module answers but refuses the request: wrong address or a module of another model.', nextStep: "Check the turnstile's Modbus address and model in the box configuration against the installed module." }),
  MODBUS_BAD_REPLY: () => ({ cause: 'Garbled replies on the turnstile line: wiring, termination or another device on the same bus.', nextStep: 'Have a technician check the RS-485 wiring (A/B, termination) and that no other device shares the address.' }),
  DOCTOR_DEVICE_TIMEOUT: (c) => device(c.kind === 'turnstile' ? 'turnstile I/O module' : c.kind)(c),
  DOCTOR_DEVICE_SILENT: (c) => device(c.kind)(c),
  JOURNAL_WRITE_FAILED: () => ({ cause: 'The box cannot write its pass journal: its storage is full, read-only or failing.', nextStep: 'Check the disk line; plan a visit to replace the storage card if the disk is not full. Passes stay in memory until then.' }),
  JOURNAL_CLOSED: () => ({ cause: 'The journal is closed: the agent is stopping.', nextStep: 'Wait a minute and run the doctor again.' }),
  DOCTOR_DISK_FULL: () => ({ cause: "The box's disk is almost full.", nextStep: 'Check the journal backlog (unsent passes keep the journal from shrinking); if the box is connected, escalate to the developers with a bundle.' }),
  DOCTOR_DISK_LOW: () => ({ cause: "The box's disk is getting full.", nextStep: 'Nothing urgent: watch it; escalate if it keeps shrinking.' }),
  DOCTOR_CLOCK_OFFSET: () => ({ cause: "The box's clock is off: its time source (NTP) is not reachable or its clock battery is flat.", nextStep: 'Check that the club network lets the box reach its time server; opening hours, QR expiry and anti-passback depend on the clock.' }),
  UPLINK_NOT_CONNECTED: () => ({ cause: 'The box lost its broker connection while the doctor ran.', nextStep: 'Check the club network and run the doctor again.' }),
  DOCTOR_BROKER_NO_ACK: () => ({ cause: 'The fleet broker did not acknowledge a message in time: the club network is slow or dropping.', nextStep: 'Check the club internet link; run the doctor again.' }),
  DOCTOR_RIGHTS_BEHIND: () => ({ cause: "The box decides with an older rights version than the fleet's: the last changes did not reach it yet.", nextStep: 'Wait a minute if the box just reconnected; if it stays behind, the box will ask for a snapshot: check the member view for what changed.' }),
  DOCTOR_RIGHTS_NONE: () => ({ cause: 'The box has no rights snapshot: it refuses every member.', nextStep: 'Check that the box is assigned to its club and connected; the fleet sends a snapshot when it connects.' }),
  DOCTOR_BACKLOG_HIGH: () => ({ cause: 'Many passes wait to be sent to the fleet.', nextStep: 'Usually clears by itself once connected; watch the backlog line.' }),
  DOCTOR_BACKLOG_STUCK: () => ({ cause: 'Passes have waited over an hour to reach the fleet: the box cannot deliver them.', nextStep: 'Check the broker line and the fleet ingest alerts; escalate with a bundle if the box is connected.' }),
};

const BY_KIND: Readonly<Record<DoctorCheck['kind'], Rule>> = {
  reader: device('reader'),
  turnstile: device('turnstile I/O module'),
  printer: device('printer'),
  journal: BY_CODE.JOURNAL_WRITE_FAILED as Rule,
  disk: BY_CODE.DOCTOR_DISK_FULL as Rule,
  clock: BY_CODE.DOCTOR_CLOCK_OFFSET as Rule,
  broker: BY_CODE.DOCTOR_BROKER_NO_ACK as Rule,
  rights: BY_CODE.DOCTOR_RIGHTS_BEHIND as Rule,
  backlog: BY_CODE.DOCTOR_BACKLOG_HIGH as Rule,
};

/** The likely cause and the next step of a line that is not ok; none for an ok line. */
export function adviceFor(check: DoctorCheck): Advice | undefined {
  if (check.status === 'ok') return undefined;
  const rule = (check.code === null ? undefined : BY_CODE[check.code]) ?? BY_KIND[check.kind];
  return rule(check);
}
