import type { Decision } from '../access/index.ts';

/**
 * What a refused member can do, in plain French, from the decision. The advice that needs
 * facts (an end date, the next opening, the booking window, visits left) comes from the
 * decision's explanation; without one, the member is sent to the desk.
 */
export function refusalAdvice(decision: Decision): string {
  switch (decision.reason) {
    case 'blocking-alert':
      return 'Présentez-vous à l’accueil.';
    case 'unknown-credential':
      return 'Ce badge n’est pas enregistré : présentez-vous à l’accueil.';
    case 'qr-expired':
      return 'Affichez un nouveau QR code dans l’application.';
    case 'qr-replayed':
      return 'Ce code a déjà servi : il n’ouvre qu’une fois.';
    case 'capacity-reached':
      return 'Le club est complet : réessayez dans quelques minutes.';
    default:
      return 'Adressez-vous à l’accueil.';
  }
}
