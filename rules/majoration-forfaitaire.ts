/**
 * Majoration forfaitaire of the collective rate for companies of 10 to 19 employees with an AT with arrêt in each
 * of the last three years: inserted in CSS D.242-6-11 by décret 2017-337, postponed (décrets 2021-1615,
 * 2022-1644), abrogated by décret 2023-1317 of 28 December 2023 without ever applying; its amount was never set.
 * Modelled as a dated rule whose in-force period is empty: it never applies.
 */
export const PERIODE_EN_VIGUEUR_MAJORATION_FORFAITAIRE: readonly number[] = [];

export const majorationForfaitaireEnVigueur = (annee: number) => PERIODE_EN_VIGUEUR_MAJORATION_FORFAITAIRE.includes(annee);
