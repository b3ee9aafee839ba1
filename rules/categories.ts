/**
 * Categories of incapacity of a sinistre, CSS D.242-6-6, and when they become final, CSS D.242-6-7 (both as
 * written by décret 2010-753, rates from 2012). Pure functions; the sinistres import applies them to each version
 * read and stores the result, SQL only reads it.
 */
import { ZERO, type Decimal } from './decimal.ts';
import type { CategorieIP, CategorieIT } from './bareme.ts';
import type { Etape } from './explication.ts';

const REFERENCE_CATEGORIES = 'CSS art. D242-6-6 et D242-6-7 (décret 2010-753, taux depuis 2012)';

/** CSS D.242-6-6: IT by days of arrêt prescribed: IT1 none or < 4, IT2 4–15, IT3 16–45, IT4 46–90, IT5 91–150, IT6 > 150. */
export function categorieIT(joursArret: number): CategorieIT {
  if (joursArret < 4) return 'IT1';
  if (joursArret <= 15) return 'IT2';
  if (joursArret <= 45) return 'IT3';
  if (joursArret <= 90) return 'IT4';
  if (joursArret <= 150) return 'IT5';
  return 'IT6';
}

/** CSS D.242-6-6: IP by rate t: IP1 t < 10 %, IP2 10–19 %, IP3 20–39 %, IP4 ≥ 40 % or death. */
export function categorieIP(tauxIp: Decimal, deces: boolean): CategorieIP {
  if (deces || tauxIp.gte(40)) return 'IP4';
  if (tauxIp.gte(20)) return 'IP3';
  if (tauxIp.gte(10)) return 'IP2';
  return 'IP1';
}

/** IT of a CPAM extract's row (CSS D.242-6-6): no days known reads as none, IT1. */
export const categorieITExtrait = (jours: number | null): CategorieIT => categorieIT(jours ?? 0);

/**
 * IP of a CPAM extract's row (CSS D.242-6-6). No rate and no death: no IP category. A rate of 0 % is read as "no
 * permanent incapacity" (no IP category) [à vérifier: D.242-6-6 speaks of claims that led to the notification of
 * an IP rate, a 0 % notification is not such a rate].
 */
export function categorieIPExtrait(taux: Decimal | null, deces: boolean): CategorieIP | null {
  if (!deces && (taux === null || taux.lte(0))) return null;
  return categorieIP(taux ?? ZERO, deces);
}

/**
 * CSS D.242-6-7: the IT category is fixed on 31 December of the year after the declaration. The extract gives the
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

/** The categories of a version, with the explanation step that produced them. */
export interface CategoriesVersion extends EtatCategories {
  etape: Etape;
}

/**
 * Categories of a new version given the previous one (CSS D.242-6-7): after its fixing date the IT category no
 * longer follows the days (a rechute is ignored); the IP category is the one of the first notification of a
 * rate or of the death (revisions, rechutes, death after consolidation ignored).
 */
export function categoriesVersion(v: VersionLue, precedente: EtatCategories | null): CategoriesVersion {
  const fixation = dateFixationIT(v.dateDeclaration, v.dateAccident);
  const apresFixation = v.dateExtraction > fixation;
  const notes: string[] = [];
  let categorieIt: CategorieIT;
  let itFige: boolean;
  if (precedente && apresFixation) {
    categorieIt = precedente.categorieIT;
    itFige = true;
    notes.push(`catégorie IT figée au ${fixation} : les jours d'arrêt de cette version ne la changent plus`);
  } else {
    categorieIt = categorieITExtrait(v.joursArret);
    itFige = apresFixation;
  }
  let ip: CategorieIP | null;
  let ipFige: boolean;
  if (precedente?.categorieIP) {
    ip = precedente.categorieIP;
    ipFige = true;
    notes.push('catégorie IP fixée à la première notification : révisions, rechutes et décès ultérieurs sans effet');
  } else {
    ip = categorieIPExtrait(v.tauxIp, v.deces);
    ipFige = ip !== null;
  }
  const etape: Etape = {
    id: 'categories_sinistre',
    regle: 'IT selon les jours d’arrêt (figée au 31 décembre de l’année suivant la déclaration), IP selon le taux notifié ou le décès (figée à la première notification)',
    reference: REFERENCE_CATEGORIES,
    entrees: {
      date_extraction: v.dateExtraction,
      date_fixation_it: fixation,
      jours_arret: v.joursArret === null ? 'inconnu' : String(v.joursArret),
      taux_ip: v.tauxIp === null ? 'aucun' : v.tauxIp.toString(),
      deces: v.deces ? 'oui' : 'non',
      version_precedente: precedente ? `${precedente.categorieIT}${precedente.categorieIP ? ' ' + precedente.categorieIP : ''}` : 'aucune',
    },
    valeur: ip ? `${categorieIt} ${ip}` : categorieIt,
  };
  if (notes.length) etape.note = notes.join(' ; ');
  return { categorieIT: categorieIt, itFige, categorieIP: ip, ipFige, etape };
}

/**
 * CSS D.242-6-7: an IP is charged in the year of its first notification. A category already fixed keeps its year;
 * without a notification date the year of imputation given by the CPAM stands.
 */
export function anneeImputationIP(
  categorie: CategorieIP | null,
  precedente: { categorieIP: CategorieIP | null; anneeIp: number | null } | null,
  dateNotificationIp: string | null,
  anneeImputation: number,
): number | null {
  if (categorie === null) return null;
  if (precedente?.categorieIP) return precedente.anneeIp;
  return dateNotificationIp ? Number(dateNotificationIp.slice(0, 4)) : anneeImputation;
}
