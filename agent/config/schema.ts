import Type, { type Static } from 'typebox';
import type { TransportConfig } from '../transport/transport.ts';

/**
 * The box configuration file (YAML or JSON), one schema. Field reference and an example:
 * docs/agent.md and examples/box.example.yaml. Unknown fields are errors: a typo must not
 * silently fall back to a default on a turnstile.
 */

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'lower-case id: a-z 0-9 . _ -' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Strict = { additionalProperties: false } as const;

const SerialTransport = Type.Object(
  {
    kind: Type.Literal('serial'),
    path: Type.String({ minLength: 1 }),
    baudRate: Type.Integer({ minimum: 300, maximum: 4_000_000 }),
    dataBits: Type.Optional(Type.Union([Type.Literal(7), Type.Literal(8)])),
    parity: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')])),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
    rs485: Type.Optional(Type.Boolean()),
  },
  Strict,
);
const TcpTransport = Type.Object({ kind: Type.Literal('tcp'), host: Type.String({ minLength: 1 }), port: Port }, Strict);
const HidTransport = Type.Object(
  {
    kind: Type.Literal('hid'),
    vendorId: Type.Integer({ minimum: 0, maximum: 0xffff }),
    productId: Type.Integer({ minimum: 0, maximum: 0xffff }),
    serialNumber: Type.Optional(Type.String()),
  },
  Strict,
);
const MockTransport = Type.Object({ kind: Type.Literal('mock'), name: Type.String({ minLength: 1 }) }, Strict);
export const TransportSchema = Type.Union([SerialTransport, TcpTransport, HidTransport, MockTransport]);

/** A shared line (RS-485) carrying several addressed devices: OSDP readers, Modbus I/O modules. */
const Bus = Type.Object({ id: Id, transport: TransportSchema }, Strict);

const OsdpReader = Type.Object(
  {
    id: Id,
    kind: Type.Literal('osdp'),
    bus: Id,
    address: Type.Integer({ minimum: 0, maximum: 126 }),
    /** Where the reader's secure channel key (SCBK) is kept; absent = no secure channel. */
    secureChannel: Type.Optional(
      Type.Object(
        {
          keyRef: Type.String({ pattern: '^(file|env):.+$', description: 'file:<path relative to dataDir or absolute> or env:<VARIABLE>' }),
          /** Accept the install key SCBK-D once to provision the reader's own key (commissioning only). */
          allowInstallMode: Type.Optional(Type.Boolean()),
        },
        Strict,
      ),
    ),
  },
  Strict,
);
const Em4100Reader = Type.Object({ id: Id, kind: Type.Literal('em4100'), transport: TransportSchema }, Strict);
/** Badge numbers and QR codes are told apart by their shape (agent/devices/hid-wedge/classify.ts). */
const HidWedgeReader = Type.Object({ id: Id, kind: Type.Literal('hid-wedge'), transport: TransportSchema }, Strict);
const Coil = Type.Integer({ minimum: 0, maximum: 65535 });
const Turnstile = Type.Object(
  {
    id: Id,
    kind: Type.Literal('turnstile'),
    /** The bus of the turnstile's own I/O module (the Modbus driver drives one module per bus). */
    bus: Id,
    /** Modbus RTU slave address of the I/O module. */
    address: Type.Integer({ minimum: 1, maximum: 247 }),
    /** Relay outputs (coils, 0-based) wired to the controller's unlock inputs. */
    coils: Type.Object({ unlockIn: Coil, unlockOut: Coil }, Strict),
    /** Discrete inputs (0-based) wired to the controller's outputs and to the normally-closed fire loop. */
    inputs: Type.Object({ passIn: Coil, passOut: Coil, fireLoopClosed: Coil, ready: Coil, alarm: Coil }, Strict),
    mode: Type.Union([Type.Literal('pulse'), Type.Literal('potential')]),
    /** Pulse length on an unlock input (controllers want >= 100 ms). */
    pulseMs: Type.Integer({ minimum: 100, maximum: 2000 }),
    /** How long a passage may take before it counts as not passed (a little longer than the controller's own window). */
    passageWindowMs: Type.Integer({ minimum: 1000, maximum: 60_000 }),
    /** Input polling period; a 250 ms PASS pulse must span two reads. */
    pollMs: Type.Optional(Type.Integer({ minimum: 5, maximum: 200 })),
    /**
     * The I/O module's communication watchdog (its outputs drop when the box stops talking):
     * the holding register (0-based), the register's unit in ms, the timeout wanted. Required
     * for potential mode. Which modules have one: docs/turnstile.md.
     */
    moduleWatchdog: Type.Optional(
      Type.Object({ register: Coil, unitMs: Type.Integer({ minimum: 1, maximum: 60_000 }), timeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }) }, Strict),
    ),
  },
  Strict,
);
const Printer = Type.Object(
  {
    id: Id,
    kind: Type.Literal('printer'),
    transport: TransportSchema,
    columns: Type.Optional(Type.Integer({ minimum: 24, maximum: 64 })),
  },
  Strict,
);
export const DeviceSchema = Type.Union([OsdpReader, Em4100Reader, HidWedgeReader, Turnstile, Printer]);

const Lane = Type.Object(
  {
    id: Id,
    /** What the box pages call the lane ("Entrée piscine"); default from its kind: Entrée, Sortie, Accès PMR. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    kind: Type.Union([Type.Literal('entry'), Type.Literal('exit'), Type.Literal('accessible')]),
    zone: Id,
    turnstile: Id,
    readers: Type.Array(Type.Object({ reader: Id, direction: Type.Union([Type.Literal('in'), Type.Literal('out')]) }, Strict), { minItems: 1 }),
  },
  Strict,
);

export const BoxConfigSchema = Type.Object(
  {
    box: Type.Object({ id: Id, name: Type.Optional(Type.String()) }, Strict),
    fleet: Type.Object(
      {
        url: Type.String({ pattern: '^(mqtts?|wss?)://[^\\s]+$', description: 'mqtt://, mqtts://, ws:// or wss:// URL' }),
        /** JSON file with the box's MQTT username/password or client certificate paths. */
        credentialsFile: Type.String({ minLength: 1 }),
      },
      Strict,
    ),
    /** Where the journal, rights and keys live (absolute, or relative to the config file). */
    dataDir: Type.String({ minLength: 1 }),
    buses: Type.Optional(Type.Array(Bus)),
    devices: Type.Array(DeviceSchema, { minItems: 1 }),
    lanes: Type.Array(Lane, { minItems: 1 }),
    /** Device id of the printer used for tickets and receipts. */
    printer: Type.Optional(Id),
    localUi: Type.Object(
      {
        port: Port,
        host: Type.Optional(Type.String({ minLength: 1 })),
        /** Where the front-desk PIN is (never inline): `file:<path>` (relative to dataDir) or `env:<VARIABLE>`. Without it the desk actions are refused. */
        deskPinRef: Type.Optional(Type.String({ pattern: '^(file|env):.+$' })),
        totem: Type.Optional(
          Type.Object(
            {
              /** The lanes whose decisions the totem shows; default: the entry lanes of the zone of the first lane. */
              lanes: Type.Optional(Type.Array(Id, { minItems: 1 })),
              /** Guest passes a welcomed member may print per day at the totem (0: none). Default 1. */
              guestPassesPerDay: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
            },
            Strict,
          ),
        ),
      },
      Strict,
    ),
    /** How people inside are counted (agent/lanes/occupancy.ts). */
    occupancy: Type.Optional(
      Type.Object(
        {
          /** A member or ticket not seen leaving is no longer counted after this. Default 240. */
          maxStayMinutes: Type.Optional(Type.Integer({ minimum: 10, maximum: 1440 })),
          /** An entry nobody can be named for (manual open, forced passage) counts this long. Default 120. */
          anonymousExpiryMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440 })),
          /** Local time at which every figure starts again from zero. Default "04:00". */
          resetAt: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })),
        },
        Strict,
      ),
    ),
    offline: Type.Object(
      {
        /** Decisions use the last rights snapshot up to this age without contact with the fleet (agent/access/freshness.ts). */
        rightsMaxAgeHours: Type.Integer({ minimum: 1, maximum: 24 * 90 }),
        /** After that: refuse everyone, or keep granting members known to the snapshot. */
        whenRightsExpired: Type.Union([Type.Literal('deny-all'), Type.Literal('keep-known-members')]),
      },
      Strict,
    ),
    lanePolicy: Type.Optional(
      Type.Object(
        {
          debounceMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
          /** Share of grants journaled with their decision explanation (refusals always are); default 0.01. */
          explainGrantShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        Strict,
      ),
    ),
    journal: Type.Optional(
      Type.Object(
        {
          maxRows: Type.Integer({ minimum: 1000 }),
          backlogWarnRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          /** Group-commit window in ms; default 0 = commit at the next turn of the event loop (see agent/journal/pass-journal.ts). */
          groupWindowMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export type BoxConfig = Static<typeof BoxConfigSchema>;
export type DeviceConfig = Static<typeof DeviceSchema>;
export type DeviceConfigKind = DeviceConfig['kind'];
export type LaneConfig = BoxConfig['lanes'][number];
export type BusConfig = NonNullable<BoxConfig['buses']>[number];

// The file's transports must be exactly what the transport factory accepts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type TransportSchemaMatchesTransportConfig = Assert<Same<Static<typeof TransportSchema>, TransportConfig>>;
