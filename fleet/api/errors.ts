/**
 * The one catalog of coded API errors (house rule 10). Every route answers failures with
 * `{ error: { code, message, detail? } }` built from this table, so clients can switch on
 * `code` and the docs list them all (docs/fleet-api.md).
 */
import Type from 'typebox';

export const API_ERRORS = {
  API_VALIDATION_FAILED: { status: 400, message: 'the request does not match the schema' },
  API_BAD_REQUEST: { status: 400, message: 'the request cannot be read' },
  API_UNAUTHENTICATED: { status: 401, message: 'a valid Bearer token is required' },
  API_FORBIDDEN: { status: 403, message: 'your role may not do this' },
  API_NOT_FOUND: { status: 404, message: 'no such resource' },
  API_CONFLICT: { status: 409, message: 'the resource is not in a state that allows this' },
  API_PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  API_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  API_UNSUPPORTED_CHARSET: { status: 415, message: 'JSON bodies are read as UTF-8 only: send charset=utf-8 or no charset' },
  API_RATE_LIMITED: { status: 429, message: 'too many requests, retry later' },
  API_INTERNAL: { status: 500, message: 'internal error' },
  BOX_NOT_FOUND: { status: 404, message: 'no such box' },
  BOX_REVOKED: { status: 409, message: 'the box is revoked' },
  ENROLLMENT_CODE_INVALID: { status: 403, message: 'the enrollment code is unknown, expired or already used' },
  ENROLLMENT_NOT_FOUND: { status: 404, message: 'no such enrollment request' },
  ENROLLMENT_SECRET_INVALID: { status: 403, message: 'the enrollment poll secret does not match' },
  ENROLLMENT_NOT_PENDING: { status: 409, message: 'the enrollment request is not pending' },
  ENROLLMENT_ALREADY_DELIVERED: { status: 410, message: 'the credentials of this enrollment were already delivered' },
  ENROLLMENT_BOX_ID_TAKEN: { status: 409, message: 'a box with this id already exists' },
  ENROLLMENT_BOX_ID_MISMATCH: { status: 409, message: 'this code belongs to another box id' },
  CLUB_NOT_FOUND: { status: 404, message: 'no such club' },
  COMMAND_NOT_FOUND: { status: 404, message: 'no such command' },
  COMMAND_BOX_NOT_ACTIVE: { status: 409, message: 'commands go only to active (enrolled, not revoked) boxes' },
  RIGHTS_UNKNOWN_REFERENCE: { status: 400, message: 'a right references an unknown member or zone' },
  TOKEN_NOT_FOUND: { status: 404, message: 'no such API token' },
  TOKEN_EXPIRY_PAST: { status: 400, message: 'the expiry is not in the future: the token would be born expired' },
  ARTIFACT_NAME_INVALID: { status: 400, message: 'an artifact or metadata name is one path segment of letters, digits and ._+-' },
  ARTIFACT_TOO_LARGE: { status: 413, message: 'the artifact exceeds the upload size limit' },
  ARTIFACT_NOT_FOUND: { status: 404, message: 'no such update artifact' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'the requested byte range starts past the end of the file' },
  ROLLOUT_NOT_FOUND: { status: 404, message: 'no such rollout' },
  ROLLOUT_STATE_CONFLICT: { status: 409, message: 'the rollout is not in a state that allows this' },
  ROLLOUT_TARGET_EMPTY: { status: 400, message: 'the target matches no active box' },
  ROLLOUT_TARGET_BUSY: { status: 409, message: 'some targeted boxes are still in another live rollout' },
  ROLLOUT_WAVES_INVALID: { status: 400, message: 'the waves are invalid' },
  REPOSITORY_METADATA_INVALID: { status: 400, message: 'the TUF metadata file is not valid, or has expired' },
  REPOSITORY_SIGNATURE_INVALID: { status: 400, message: 'the TUF metadata is not signed by enough keys the repository root trusts for its role' },
  REPOSITORY_VERSION_NOT_NEWER: { status: 409, message: 'the TUF metadata is not newer than the repository copy' },
  REPOSITORY_TARGET_MISMATCH: { status: 409, message: 'the TUF metadata describes a target with other bytes than the uploaded file' },
  REPOSITORY_ONLINE_KEY_MISMATCH: { status: 409, message: "the repository root does not list the fleet's online (snapshot, timestamp) keys" },
  REPOSITORY_ONLINE_ROLE: { status: 409, message: 'the fleet signs snapshot.json and timestamp.json itself: upload targets.json (or a root) only' },
  UPLOAD_NOT_FOUND: { status: 404, message: 'no such upload (declare it first: POST /v1/updates/uploads)' },
  UPLOAD_OFFSET_MISMATCH: { status: 409, message: 'the chunk does not start where the fleet is: resume from the received bytes' },
  UPLOAD_TOO_LONG: { status: 413, message: 'more bytes than the upload declared: the upload starts again from zero' },
  UPLOAD_INCOMPLETE: { status: 409, message: 'the upload is not complete yet' },
  UPLOAD_HASH_MISMATCH: { status: 400, message: 'the uploaded bytes do not match the declared sha256' },
  CONFIG_BOX_MISMATCH: { status: 400, message: "the configuration's box.id is not this box" },
  CONFIG_TICKET_REQUIRED: { status: 400, message: 'a configuration change needs a support ticket (X-Ticket header or ticket field)' },
  ALERT_NOT_FOUND: { status: 404, message: 'no such alert' },
  SILENCE_NOT_FOUND: { status: 404, message: 'no such active silence' },
  SUBSCRIPTION_NOT_FOUND: { status: 404, message: 'no such notification subscription' },
  DELIVERY_NOT_FAILED: { status: 409, message: 'only a failed notification can be sent again' },
  EXPORT_TOO_LARGE: { status: 400, message: 'the export exceeds the row limit, narrow the time range' },
  BOX_OFFLINE: { status: 409, message: 'the box is offline: it cannot run this now' },
  DOCTOR_NO_ANSWER: { status: 504, message: 'the box did not answer the doctor in time' },
  MEMBER_NOT_FOUND: { status: 404, message: 'no such member in any club' },
  TIME_RANGE_INVALID: { status: 400, message: 'the time range is empty, reversed or too long' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly detail: unknown;
  constructor(code: ApiErrorCode, message?: string, detail?: unknown) {
    super(message ?? API_ERRORS[code].message);
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.detail = detail;
  }
}

export const apiError = (code: ApiErrorCode, message?: string, detail?: unknown): ApiError => new ApiError(code, message, detail);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable error code from the catalog' }),
      message: Type.String(),
      detail: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'a coded error from the catalog (docs/fleet-api.md)' },
);

export interface ErrorPayload {
  error: { code: string; message: string; detail?: unknown };
}

export function errorPayload(e: ApiError): ErrorPayload {
  return { error: { code: e.code, message: e.message, ...(e.detail === undefined ? {} : { detail: e.detail }) } };
}
