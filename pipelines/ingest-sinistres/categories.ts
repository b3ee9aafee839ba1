/**
 * Categories of a sinistre (CSS D.242-6-6) and when they become final (CSS D.242-6-7). Pure functions.
 */
import type { Decimal } from '../../rules/decimal.ts';
import type { CategorieIP, CategorieIT } from '../../rules/bareme.ts';

/** IT by days of arrêt prescribed: none or < 4, 4–15, 16–45, 46–90, 91–150, > 150 (D.242-6-6). */
export function categorieIT(jours: number | null): CategorieIT {
  const j = jours ?? 0;
  if (j < 4) return 'IT1';
  if (j <= 15) return 'IT2';
  if (j <= 45) return 'IT3';
  if (j <= 90) return 'IT4';
  if (j <= 150) return 'IT5';
  return 'IT6';
}

/**
 * IP by the notified rate: < 10 %, 10–19, 20–39, ≥ 40 % or death (D.242-6-6). No rate and no death: no IP
 * category. A rate of 0 % is read as "no permanent incapacity" (no IP category) [à vérifier: D.242-6-6 speaks
 * of claims that led to the notification of an IP rate, a 0 % notification is not such a rate].
 */
export function categorieIP(taux: Decimal | null, deces: boolean): CategorieIP | null {
  if (deces) return 'IP4';
  if (taux === null || taux.lte(0)) return null;
  if (taux.lt(10)) return 'IP1';
  if (taux.lt(20)) return 'IP2';
  if (taux.lt(40)) return 'IP3';
  return 'IP4';
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

