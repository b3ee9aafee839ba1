/**
 * What the référentiel knows of one establishment: its company and group, classification (code risque per
 * section), notified rates, and the sinistres charged to it with their categories (CSS D.242-6-6) for the last
 * years. Read-only; `atmp etablissement SIRET` shows it.
 */
import type { Knex } from 'knex';
import { D } from '../../rules/decimal.ts';
import { validitesTaux } from '../bareme/validite.ts';
import { exclusion, partImputee, type SinistreImpute } from '../../rules/imputation.ts';

export interface SinistreEtablissement {
  sinistreId: string;
  /** 'employeur': charged as employer; 'utilisateur': a temp worker's claim, this establishment being the user */
  imputation: 'employeur' | 'utilisateur';
  nature: string;
  dateAccident: string;
  anneeImputation: number;
  joursArret: number | null;
  categorieIT: string | null;
  tauxIp: string | null;
  categorieIP: string | null;
  anneeIp: number | null;
  deces: boolean;
  /** why the sinistre is not charged (trajet, compte spécial, inopposable), null when charged */
  exclusion: string | null;
  /** share of the coût moyen charged to this establishment (rules/imputation.ts), null when excluded */
  partIT: string | null;
  partIP: string | null;
  version: number;
  dateExtraction: string;
  siretUtilisateur: string | null;
}

export interface EtablissementReferentiel {
  siret: string;
  siren: string;
  nom: string | null;
  adresse: string | null;
  codePostal: string | null;
  commune: string | null;
  alsaceMoselle: boolean;
  dateCreation: string | null;
  optionTauxUnique: string | null;
  apet: string | null;
  origine: 'referentiel' | 'dsn';
  aRevoir: boolean;
  motifRevue: string | null;
  entreprise: {
    siren: string;
    raisonSociale: string;
    siretSiege: string | null;
    emailNotification: string | null;
    notificationDematerialisee: boolean;
    groupe: { id: string; nom: string; sirenTete: string; notificationGroupee: boolean; emailNotification: string | null } | null;
  } | null;
  sections: { codeRisque: string; section: string; dateDebut: string | null; libelle: string; ctn: string | null }[];
  /** notified rates, each with the validity of its rate year's barème (null: no barème loaded for that year) */
  tauxNotifies: { annee: number; codeRisque: string; taux: string; debut: string | null; fin: string | null }[];
  sinistres: SinistreEtablissement[];
}

/**
 * @param depuisAnnee first imputation year of the sinistres listed (default: current year − 4, the three
 *   years N-4..N-2 of the campaign N plus the year in progress)
 */
export async function etablissementReferentiel(knex: Knex, siret: string, opts: { depuisAnnee?: number } = {}): Promise<EtablissementReferentiel | null> {
  const e = await knex('etablissement').where({ siret }).first();
  if (!e) return null;
  const depuis = opts.depuisAnnee ?? new Date().getUTCFullYear() - 4;
  const [ent, sections, taux, sinistres] = await Promise.all([
    knex('entreprise as en').leftJoin('groupe as g', 'g.groupe_id', 'en.groupe_id').where('en.siren', e.siren)
      .first('en.*', 'g.nom as g_nom', 'g.siren_tete as g_siren_tete', 'g.notification_groupee as g_notification_groupee', 'g.email_notification as g_email'),
    knex('etablissement_section as s').join('code_risque as c', 'c.code_risque', 's.code_risque').where('s.siret', siret)
      .orderByRaw("case s.section when 'principale' then 0 when 'fsna' then 1 else 2 end, s.code_risque")
      .select('s.code_risque', 's.section', 's.date_debut', 'c.libelle', 'c.ctn'),
    knex('taux_notifie').where({ siret }).orderBy([{ column: 'annee', order: 'desc' }, 'code_risque']).select('annee', 'code_risque', 'taux'),
    knex('sinistre_version as v')
      .join('sinistre as s', function () {
        this.on('s.sinistre_id', 'v.sinistre_id').andOn('s.version_courante', 'v.numero');
      })
      .where((q) => q.where('v.siret', siret).orWhere('v.siret_utilisateur', siret))
      .where('v.annee_imputation', '>=', depuis)
      .orderBy([{ column: 'v.annee_imputation', order: 'desc' }, 'v.sinistre_id'])
      .select('v.*'),
  ]);
  const validites = await validitesTaux(knex, taux.map((t: { annee: number }) => t.annee));
  const liste: SinistreEtablissement[] = [];
  for (const v of sinistres) {
    const imputation = v.siret === siret ? 'employeur' : 'utilisateur';
    const faits: SinistreImpute = {
      id: v.sinistre_id, annee: v.annee_imputation, nature: v.nature, partTiers: D(v.part_tiers),
      interim: v.siret_utilisateur ? (imputation === 'employeur' ? 'ett' : 'utilisatrice') : undefined,
      procedureCollective: v.utilisateur_procedure_collective, compteSpecial: v.compte_special, inopposable: v.inopposable,
    };
    const exclu = exclusion(faits);
    const motif = exclu ? `${exclu.motif}${v.inopposable && v.date_inopposabilite ? ` depuis le ${v.date_inopposabilite}` : ''} (${exclu.reference})` : null;
    // the share as every campaign using the claim applies it: its rate years N = year + 2 .. year + 4 give the same
    // intérim rule (décret 2024-723 art. 2 keeps the former rule exactly for the claims classified up to 2023)
    const anneeIp: number = v.annee_ip ?? v.annee_imputation;
    const partIT = !exclu && v.categorie_it ? partImputee(faits, v.annee_imputation + 2, v.categorie_it).part : null;
    const partIP = !exclu && v.categorie_ip ? partImputee({ ...faits, annee: anneeIp }, anneeIp + 2, v.categorie_ip).part : null;
    // a temp's claim appears on the user establishment only when something is charged there (R.242-6-1)
    if (imputation === 'utilisateur' && !exclu && !partIT?.gt(0) && !partIP?.gt(0)) continue;
    liste.push({
      sinistreId: v.sinistre_id, imputation, nature: v.nature, dateAccident: v.date_accident, anneeImputation: v.annee_imputation,
      joursArret: v.jours_arret, categorieIT: v.categorie_it, tauxIp: v.taux_ip,
      categorieIP: v.categorie_ip, anneeIp: v.annee_ip, deces: v.deces, exclusion: motif,
      partIT: partIT ? partIT.toString() : null, partIP: partIP ? partIP.toString() : null,
      version: v.numero, dateExtraction: v.date_extraction, siretUtilisateur: v.siret_utilisateur,
    });
  }
  return {
    siret: e.siret, siren: e.siren, nom: e.nom, adresse: e.adresse, codePostal: e.code_postal, commune: e.commune,
    alsaceMoselle: e.alsace_moselle, dateCreation: e.date_creation, optionTauxUnique: e.option_taux_unique, apet: e.apet,
    origine: e.origine, aRevoir: e.a_revoir, motifRevue: e.motif_revue,
    entreprise: ent ? {
      siren: ent.siren, raisonSociale: ent.raison_sociale, siretSiege: ent.siret_siege, emailNotification: ent.email_notification,
      notificationDematerialisee: ent.notification_dematerialisee,
      groupe: ent.groupe_id ? { id: ent.groupe_id, nom: ent.g_nom, sirenTete: ent.g_siren_tete, notificationGroupee: ent.g_notification_groupee, emailNotification: ent.g_email } : null,
    } : null,
    sections: sections.map((s: Record<string, string | null>) => ({ codeRisque: s.code_risque!, section: s.section!, dateDebut: s.date_debut, libelle: s.libelle!, ctn: s.ctn })),
    tauxNotifies: taux.map((t: { annee: number; code_risque: string; taux: string }) => ({
      annee: t.annee, codeRisque: t.code_risque, taux: t.taux, debut: validites.get(t.annee)?.debut ?? null, fin: validites.get(t.annee)?.fin ?? null,
    })),
    sinistres: liste,
  };
}
