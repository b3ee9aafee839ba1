/**
 * Explanations are data: every result carries the ordered steps that produced it. The simulator prints them,
 * the campaign stores them, the notification's calculation detail reads them; nothing is recomputed for display.
 */
export interface Etape {
  /** stable machine name of the step (effectif, mode, taux_brut, …) */
  id: string;
  /** the rule, in words */
  regle: string;
  /** legal reference (article, décret, arrêté) */
  reference: string;
  /** inputs of the step, as decimal strings or plain text */
  entrees?: Record<string, string>;
  /** the value produced, full precision */
  valeur: string;
  /** reading notes: uncertain rule, value ignored, fallback used */
  note?: string;
  /** structured detail (per-year masses and claims for the valeur du risque) */
  detail?: unknown;
}

/** An input the rules cannot rate: a one-line reason for the user. */
export class RegleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegleError';
  }
}
