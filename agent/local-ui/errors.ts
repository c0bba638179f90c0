/**
 * The coded errors of the box pages, one catalog: the HTTP status and the French message the
 * pages show as it is (a person at the desk or the totem reads it). The code is the detail.
 */
export const UI_ERRORS = {
  UI_BAD_REQUEST: { status: 400, message: 'Requête invalide.' },
  UI_NOT_JSON: { status: 400, message: 'Le contenu envoyé n’est pas un objet JSON.' },
  UI_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Le contenu doit être envoyé en JSON.' },
  UI_PAYLOAD_TOO_LARGE: { status: 413, message: 'Contenu trop volumineux.' },
  UI_NOT_FOUND: { status: 404, message: 'Page introuvable sur ce boîtier.' },
  UI_METHOD_NOT_ALLOWED: { status: 405, message: 'Action non permise sur cette adresse.' },
  UI_INTERNAL: { status: 500, message: 'Erreur interne du boîtier : réessayez dans un instant.' },
  DESK_SESSION_REQUIRED: { status: 401, message: 'Connectez-vous avec le code PIN de l’accueil.' },
  DESK_LOGIN_INCOMPLETE: { status: 400, message: 'Indiquez votre nom et le code PIN.' },
  DESK_PIN_WRONG: { status: 401, message: 'Code PIN incorrect.' },
  DESK_LOCKED_OUT: { status: 429, message: 'Trop d’essais : réessayez dans une minute.' },
  DESK_PIN_NOT_CONFIGURED: { status: 503, message: 'Aucun code PIN d’accueil n’est configuré sur ce boîtier (localUi.deskPinRef).' },
  DESK_LANE_UNKNOWN: { status: 400, message: 'Choisissez une voie de ce boîtier.' },
  DESK_ZONE_UNKNOWN: { status: 400, message: 'Choisissez une zone de ce boîtier.' },
  DESK_REASON_REQUIRED: { status: 400, message: 'Indiquez la raison (1 à 200 caractères).' },
  DESK_DIRECTION_INVALID: { status: 400, message: 'Sens : entrée ou sortie.' },
  DESK_COUNT_INVALID: { status: 400, message: 'Indiquez un nombre de personnes entre 0 et 10 000.' },
  DESK_QUERY_INVALID: { status: 400, message: 'Tapez au moins deux caractères : nom, numéro de badge ou d’adhérent.' },
  DESK_MEMBER_UNKNOWN: { status: 404, message: 'Membre introuvable dans les droits de ce boîtier.' },
  DESK_LANE_BUSY: { status: 409, message: 'Un passage est en cours sur cette voie : réessayez dans un instant.' },
  TOTEM_NOTHING_TO_PRINT: { status: 404, message: 'Présentez votre badge avant d’imprimer.' },
  TOTEM_NO_GUEST_PASS: { status: 409, message: 'Pass invité déjà imprimé pour ce passage.' },
  TICKET_NO_PRINTER: { status: 503, message: 'Pas d’imprimante à tickets sur ce boîtier.' },
  TICKET_GUESTS_DISABLED: { status: 409, message: 'Les pass invités ne sont pas proposés ici : adressez-vous à l’accueil.' },
  TICKET_GUEST_LIMIT: { status: 409, message: 'Vous avez déjà imprimé vos pass invités du jour.' },
  TICKET_PRINT_FAILED: { status: 503, message: 'L’imprimante n’a pas pris le ticket : réessayez ou adressez-vous à l’accueil.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type UiErrorCode = keyof typeof UI_ERRORS;

export interface UiError {
  readonly code: UiErrorCode;
  readonly status: number;
  readonly message: string;
}

/** An error of the catalog; `message` replaces the catalog's when the caller knows better (still French). */
export function uiError(code: UiErrorCode, message?: string): UiError {
  return { code, status: UI_ERRORS[code].status, message: message ?? UI_ERRORS[code].message };
}
