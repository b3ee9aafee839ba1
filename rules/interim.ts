/**
 * A temp worker's AT/MP shared between the user company (entreprise utilisatrice) and the agency (ETT):
 * CSS L241-5-1 and R242-6-1, reworded by décret 2024-723 (JORFTEXT000049892022) for the rates from 2026.
 */
import { D, ONE, ZERO, type Decimal } from './decimal.ts';
import type { CategorieIP, CategorieIT } from './bareme.ts';
import type { Etape } from './explication.ts';
import { INTERIM } from './parametres.ts';

export type CoteInterim = 'utilisatrice' | 'ett';
export const COTES_INTERIM: readonly CoteInterim[] = ['utilisatrice', 'ett'];
export type RegimeInterim = 'tiers' | 'moitie';

/**
 * Décret 2024-723 art. 2: the new R242-6-1 applies to the rates from 2026; the 2026 rates keep the former wording
 * for claims classified in 2022 or 2023, the 2027 rates for claims classified in 2023; from 2028 the new one only.
 * The classification year is the year the charge counts in (IT: year of imputation; IP: year of its first
 * notification, D242-6-7).
 */
export function regimeInterim(anneeTaux: number, anneeClassement: number): RegimeInterim {
  if (anneeTaux < INTERIM.premiereAnneeMoitie) return 'tiers';
  return INTERIM.transition.get(anneeTaux)?.includes(anneeClassement) ? 'tiers' : 'moitie';
}

const IP_10 = new Set<string>(['IP2', 'IP3', 'IP4']);
const REF_TIERS = 'CSS art. R242-6-1 (rédaction antérieure au décret 2024-723), L241-5-1';
const REF_MOITIE = 'CSS art. R242-6-1 (décret 2024-723), L241-5-1';

export interface PartInterim {
  part: Decimal;
  regime: RegimeInterim;
  etape: Etape;
}

/**
 * The share of the claim's coût moyen charged to one side. Former rule: the user company bears 1/3 of an IP ≥ 10 %
 * or death (IP2–IP4) and nothing else; the ETT all IT, all IP < 10 % and 2/3 of IP2–IP4. New rule: 1/2 each of every
 * category, IT and IP. A user company in sauvegarde, redressement or liquidation bears nothing: all to the ETT.
 */
export function partInterim(
  anneeTaux: number, anneeClassement: number, cote: CoteInterim, categorie: CategorieIT | CategorieIP,
  opts: { procedureCollective?: boolean } = {},
): PartInterim {
  const entrees = { annee_taux: String(anneeTaux), annee_classement: String(anneeClassement), cote, categorie };
  if (opts.procedureCollective) {
    const part = cote === 'ett' ? ONE : ZERO;
    return {
      part, regime: regimeInterim(anneeTaux, anneeClassement),
      etape: {
        id: 'interim', regle: "entreprise utilisatrice en procédure collective (sauvegarde, redressement, liquidation) : tout le coût à l'entreprise de travail temporaire",
        reference: 'CSS art. R242-6-1, L241-5-1', entrees: { ...entrees, procedure_collective: 'oui' }, valeur: part.toString(),
      },
    };
  }
  const regime = regimeInterim(anneeTaux, anneeClassement);
  if (regime === 'moitie') {
    const part = D(1).div(2);
    return {
      part, regime,
      etape: {
        id: 'interim', regle: `intérim : la moitié du coût moyen de chaque catégorie (IT et IP) à ${cote === 'ett' ? "l'entreprise de travail temporaire" : "l'entreprise utilisatrice"}`,
        reference: REF_MOITIE, entrees, valeur: part.toString(),
      },
    };
  }
  const ip10 = IP_10.has(categorie);
  const part = cote === 'utilisatrice' ? (ip10 ? D(1).div(3) : ZERO) : ip10 ? D(2).div(3) : ONE;
  const regle = cote === 'utilisatrice'
    ? "intérim (règle antérieure) : l'entreprise utilisatrice supporte le tiers du coût moyen d'une IP ≥ 10 % ou d'un décès, rien d'autre"
    : "intérim (règle antérieure) : l'entreprise de travail temporaire supporte toutes les IT, les IP < 10 % et les deux tiers des IP ≥ 10 %";
  const transition = anneeTaux >= INTERIM.premiereAnneeMoitie ? ` ; sinistre classé en ${anneeClassement} : décret 2024-723 art. 2` : '';
  return { part, regime, etape: { id: 'interim', regle, reference: REF_TIERS + transition, entrees, valeur: part.toString() } };
}
