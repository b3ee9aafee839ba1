/** Which claims weigh on the establishment's account, and for what share (CSS D.242-6-4, -5, -7, R.242-6-1). */
import { ONE, ZERO, type Decimal } from './decimal.ts';
import type { CategorieIP, CategorieIT } from './bareme.ts';

export type NatureSinistre = 'AT' | 'MP' | 'TRAJET';

/** A claim as charged to the establishment for one year (the consolidation or the simulator builds these). */
export interface SinistreImpute {
  id?: string;
  /** year the charge counts in: IT in the year of declaration, IP in the year of its first notification (D.242-6-7) */
  annee: number;
  nature: NatureSinistre;
  /** days of arrêt prescribed; present (0 included: care only) when the IT is charged, absent when only the IP is */
  joursArret?: number | null;
  /** IP rate notified, in percent; an IP is charged when it is > 0 or on death */
  tauxIp?: Decimal;
  deces?: boolean;
  /** share imputed: 1, less the third party's share (recours contre tiers), 1/3 for a temp's IP ≥ 10 % at the user company */
  part?: Decimal;
  /** MP charged to the compte spécial */
  compteSpecial?: boolean;
  /** IT category already fixed (31 December of the year after the declaration, D.242-6-7): used instead of joursArret */
  categorieIt?: CategorieIT;
  /** IP category already fixed (first notification, D.242-6-7): used instead of tauxIp / deces */
  categorieIp?: CategorieIP;
}

export type Exclusion = { exclu: true; motif: string; reference: string } | { exclu: false; part: Decimal };

export function imputation(s: SinistreImpute): Exclusion {
  // CSS D.242-6-4: accidents de trajet are not charged to the employer (financed by M1)
  if (s.nature === 'TRAJET') return { exclu: true, motif: 'accident de trajet', reference: 'CSS art. D242-6-4' };
  // CSS D.242-6-5 and D.242-6-7: MP inscribed on the compte spécial (financed by M3)
  if (s.compteSpecial) return { exclu: true, motif: 'maladie professionnelle inscrite au compte spécial', reference: 'CSS art. D242-6-5, D242-6-7' };
  // CSS D.242-6-7 (recours contre tiers: the cost is prorated) and R.242-6-1 (intérim: one third to the user company)
  const part = s.part ?? ONE;
  if (part.lte(ZERO)) return { exclu: true, motif: 'part imputée nulle', reference: 'CSS art. D242-6-7' };
  return { exclu: false, part };
}
