/**
 * Categories of a sinistre (CSS D.242-6-6) and when they become final (CSS D.242-6-7). Pure functions.
 */
import { ZERO, type Decimal } from '../../rules/decimal.ts';
import { categorieIP as categorieIPRegle, categorieIT as categorieITRegle } from '../../rules/categories.ts';
import type { CategorieIP, CategorieIT } from '../../rules/bareme.ts';

/** IT by days of arrêt prescribed (CSS D.242-6-6, rules/categories.ts); no days known: none, IT1. */
export const categorieIT = (jours: number | null): CategorieIT => categorieITRegle(jours ?? 0);

/**
 * IP by the notified rate (CSS D.242-6-6, rules/categories.ts). No rate and no death: no IP category. A rate of
 * 0 % is read as "no permanent incapacity" (no IP category) [à vérifier: D.242-6-6 speaks of claims that led to
 * the notification of an IP rate, a 0 % notification is not such a rate].
 */
export function categorieIP(taux: Decimal | null, deces: boolean): CategorieIP | null {
  if (!deces && (taux === null || taux.lte(0))) return null;
  return categorieIPRegle(taux ?? ZERO, deces);
}

/**
 * The IT category is fixed on 31 December of the year after the declaration (D.242-6-7). The extract gives the
 * accident date (or the first medical finding for an MP) and, when known, the declaration date; without it the
 * accident date stands in for the declaration [à vérifier: the declaration is usually within 48 hours].
 */
export function dateFixationIT(dateDeclaration: string | null, dateAccident: string): string {
  const y = Number((dateDeclaration ?? dateAccident).slice(0, 4));
  return `${y + 1}-12-31`;
}

export interface EtatCategories {
  categorieIT: CategorieIT;
  itFige: boolean;
  categorieIP: CategorieIP | null;
  ipFige: boolean;
}

export interface VersionLue {
  dateExtraction: string;
  dateAccident: string;
  dateDeclaration: string | null;
  joursArret: number | null;
  tauxIp: Decimal | null;
  deces: boolean;
}

/**
 * Categories of a new version given the previous one (D.242-6-7): after its fixing date the IT category no
 * longer follows the days (a rechute is ignored); the IP category is the one of the first notification of a
 * rate or of the death (revisions, rechutes, death after consolidation ignored).
 */
export function categoriesVersion(v: VersionLue, precedente: EtatCategories | null): EtatCategories {
  const fixation = dateFixationIT(v.dateDeclaration, v.dateAccident);
  const apresFixation = v.dateExtraction > fixation;
  let categorieIt: CategorieIT;
  let itFige: boolean;
  if (precedente && apresFixation) {
    categorieIt = precedente.categorieIT;
    itFige = true;
  } else {
    categorieIt = categorieIT(v.joursArret);
    itFige = apresFixation;
  }
  if (precedente?.categorieIP) return { categorieIT: categorieIt, itFige, categorieIP: precedente.categorieIP, ipFige: true };
  const ip = categorieIP(v.tauxIp, v.deces);
  return { categorieIT: categorieIt, itFige, categorieIP: ip, ipFige: ip !== null };
}

