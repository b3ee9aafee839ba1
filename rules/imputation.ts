/** Which claims weigh on the establishment's account, and for what share (CSS D.242-6-4, -5, -7, R.242-6-1). */
import { ONE, ZERO, type Decimal } from './decimal.ts';
import type { CategorieIP, CategorieIT } from './bareme.ts';
import type { Etape } from './explication.ts';
import { partInterim, type CoteInterim } from './interim.ts';

export type NatureSinistre = 'AT' | 'MP' | 'TRAJET';

/** A claim as charged to the establishment for one year (the consolidation or the simulator builds these). */
export interface SinistreImpute {
  id?: string;
  /**
   * year the charge counts in, i.e. the year the claim is classified in: IT in the year of declaration, IP in the
   * year of its first notification (D.242-6-7)
   */
  annee: number;
  nature: NatureSinistre;
  /** days of arrêt prescribed; present (0 included: care only) when the IT is charged, absent when only the IP is */
  joursArret?: number | null;
  /** IP rate notified, in percent; an IP is charged when it is > 0 or on death */
  tauxIp?: Decimal;
  deces?: boolean;
  /** explicit share of the coût moyen charged (the simulator's `part`): overrides the intérim rule and partTiers */
  part?: Decimal;
  /** third party's share of liability (recours contre tiers, 0..1): the cost is charged × (1 − partTiers), D.242-6-7 */
  partTiers?: Decimal;
  /** a temp worker's claim: the side this account is: the user company or the agency (R.242-6-1) */
  interim?: CoteInterim;
  /** the user company is in sauvegarde, redressement or liquidation judiciaire (then all to the agency) */
  procedureCollective?: boolean;
  /** MP charged to the compte spécial */
  compteSpecial?: boolean;
  /** the charge was declared inopposable to the employer (decision of the commission or of a court) */
  inopposable?: boolean;
  /** IT category already fixed (31 December of the year after the declaration, D.242-6-7): used instead of joursArret */
  categorieIt?: CategorieIT;
  /** IP category already fixed (first notification, D.242-6-7): used instead of tauxIp / deces */
  categorieIp?: CategorieIP;
}

export interface Exclusion {
  motif: string;
  reference: string;
}

/** Claims not charged to any employer account at all; null when the claim is charged. */
export function exclusion(s: SinistreImpute): Exclusion | null {
  // CSS D.242-6-4: accidents de trajet are not charged to the employer (financed by M1)
  if (s.nature === 'TRAJET') return { motif: 'accident de trajet', reference: 'CSS art. D242-6-4' };
  // CSS D.242-6-5 and D.242-6-7: MP inscribed on the compte spécial (financed by M3)
  if (s.compteSpecial) return { motif: 'maladie professionnelle inscrite au compte spécial', reference: 'CSS art. D242-6-5, D242-6-7' };
  // a charge declared inopposable is removed from the employer's account (CSS R.142-1 and following; D.242-6-4)
  if (s.inopposable) return { motif: "sinistre déclaré inopposable à l'employeur", reference: 'CSS art. D242-6-4' };
  return null;
}

export interface PartImputee {
  part: Decimal;
  /** the intérim step, when the share comes from the intérim rule */
  etape?: Etape;
}

/**
 * Share of the coût moyen of one category of the claim charged to this account for rate year anneeTaux: the
 * explicit share if given; else the intérim share (R.242-6-1, décret 2024-723) of the side, times 1 − the third
 * party's share (D.242-6-7).
 */
export function partImputee(s: SinistreImpute, anneeTaux: number, categorie: CategorieIT | CategorieIP): PartImputee {
  if (s.part) return { part: s.part };
  const tiers = ONE.minus(s.partTiers ?? ZERO);
  if (!s.interim) return { part: tiers };
  const i = partInterim(anneeTaux, s.annee, s.interim, categorie, { procedureCollective: s.procedureCollective });
  return { part: i.part.times(tiers), etape: i.etape };
}
