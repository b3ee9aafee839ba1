import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { writeFileSync } from 'node:fs';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { UserError } from '../../lib/errors.ts';
import { lireDate } from '../../lib/cellules.ts';
import { D } from '../../rules/decimal.ts';
import { problemeSiret } from '../../lib/siret.ts';
import { STADES, type StadeCotisation } from '../../rules/cotisation-supplementaire.ts';
import { accorderRistourne, accorderRistourneTrajet, budgetRistournes, imposerCotisation, terminerCotisation, type ResultatAjustement } from '../../pipelines/decisions/ajustements.ts';
import { deciderCreation, deciderReclassement, enregistrerNotification, enregistrerRecours } from '../../pipelines/decisions/en-cours-annee.ts';
import { COLONNES_EXPORT, exporterTaux, versCsv } from '../../pipelines/decisions/export.ts';
import { LIBELLE_NATURE } from '../../pipelines/decisions/historique.ts';
import type { LigneDecision } from '../../pipelines/decisions/store.ts';
import { rendreLettres } from '../../pipelines/decisions/lettres.ts';
import { loadConfig } from '../../lib/config.ts';
import type { Db } from '../../lib/db.ts';

/** After a decision: its letter, one per recipient, under out/decisions/<date>/, queued in the outbox (sent by `notifications send --lot decisions`). */
export async function lettres(db: Db): Promise<string[]> {
  const l = await rendreLettres(db, { outDir: loadConfig().outDir, date: new Date().toISOString().slice(0, 10) });
  return l.map((x) => `lettre ${x.chemin} (décisions ${x.decisions.join(', ')})${x.en_file ? ' : en file d’envoi (atmp notifications send --lot decisions)' : ' : non mise en file (aucune campagne de ces années), à envoyer à part'}`);
}

export const siretOption = (v: string) => {
  const s = v.replace(/\s/g, '');
  const p = problemeSiret(s);
  if (p) throw new UserError(p, 2);
  return s;
};
export const dateOption = (v: string, option: string) => {
  const d = lireDate(v);
  if (!d) throw new UserError(`${option} ${v} : date AAAA-MM-JJ attendue`, 2);
  return d;
};
const section = (v: string | undefined) => {
  if (v === undefined) return undefined;
  if (!['principale', 'fsna', 'bureau'].includes(v)) throw new UserError(`--section ${v} : principale, fsna ou bureau`, 2);
  return v as 'principale' | 'fsna' | 'bureau';
};

const points = (p: string | null) => (p == null ? '—' : D(p).toDecimalPlaces(4).toString().replace('.', ','));

const ligne = (d: LigneDecision & { nouvelle?: boolean }) =>
  `décision n° ${d.id} ${LIBELLE_NATURE[d.nature]} ${d.annee} ${d.siret} ${d.code_risque} (${d.section}) : ${d.taux.replace('.', ',')} % du ${d.debut} au ${d.fin}${d.pourcentage ? ` (${d.pourcentage} %, ${points(d.points)} point)` : ''}${d.remplace_id ? `, remplace n° ${d.remplace_id}` : ''}${d.nouvelle === false ? ' — déjà enregistrée, rien de changé' : ''}`;

function afficher(r: ResultatAjustement & { lettres: string[] }, json?: boolean) {
  if (json) return printJson(r);
  const out = r.decisions.map(ligne);
  out.push(...r.lettres);
  for (const reste of r.restes) out.push(`  du ${reste.debut} au ${reste.fin} : aucun taux ${reste.annee} notifié ; à décider une fois la campagne ${reste.annee} validée`);
  process.stdout.write(out.join('\n') + '\n');
}

interface Commun { siret: string; codeRisque: string; section?: string; agent: string; motif?: string; json?: boolean }
const communes = (c: Command) => c
  .requiredOption('--siret <S>', 'SIRET de l’établissement')
  .requiredOption('--code-risque <C>', 'code risque de la section')
  .option('--section <s>', 'principale, fsna ou bureau (si plusieurs sections du même code)')
  .option('--agent <nom>', 'agent qui décide', userInfo().username)
  .option('--motif <texte>', 'motif de la décision')
  .option('--json', 'sortie JSON');

export function register(program: Command) {
  const decision = program.command('decision').description('décisions de taux en cours d’année : ristournes, cotisations supplémentaires, création, reclassement, recours');

  // ristourne travail and ristourne trajet: the same inputs, each granted by its own rule
  const ristournes: [string, string, string, typeof accorderRistourne][] = [
    ['ristourne', 'ristourne travail (arrêté du 9 décembre 2010) : taux collectif ou mixte, au plus 25 % du taux collectif (sur (1 − f) × TC en mixte), du 1er du mois suivant la décision, un an au plus, dans le budget de 0,40 % des cotisations de la région', 'pourcentage du taux collectif (≤ 25)', accorderRistourne],
    ['ristourne-trajet', 'ristourne trajet (arrêté du 19 septembre 1977) : 25 à 85 % de la majoration trajet M1 (lecture : docs/decisions.md)', 'pourcentage de M1 (25 à 85)', accorderRistourneTrajet],
  ];
  for (const [nom, description, aidePourcentage, accorder] of ristournes) {
    communes(decision.command(nom).description(description))
      .requiredOption('--pourcentage <p>', aidePourcentage)
      .requiredOption('--date <AAAA-MM-JJ>', 'date de la décision')
      .option('--fin <AAAA-MM-JJ>', 'fin avant un an')
      .action(action(async (o: Commun & { pourcentage: string; date: string; fin?: string }) => {
        const r = await withDb(async (db) => ({ ...(await accorder(db, { siret: siretOption(o.siret), codeRisque: o.codeRisque, section: section(o.section), agent: o.agent, motif: o.motif, pourcentage: o.pourcentage, dateDecision: dateOption(o.date, '--date'), fin: o.fin && dateOption(o.fin, '--fin') })), lettres: await lettres(db) }));
        afficher(r, o.json);
      }));
  }

  communes(decision.command('cotisation-supplementaire').description('cotisation supplémentaire (arrêté du 9 décembre 2010 art. 8–10) : ≥ 25 % après injonction, 50 % le délai passé, puis 200 % ; ≥ 50 % sans injonction en récidive dans les trois ans'))
    .requiredOption('--stade <s>', STADES.join(' | '))
    .requiredOption('--date-constat <AAAA-MM-JJ>', 'date du constat du risque (début)')
    .option('--pourcentage <p>', 'pourcentage de la cotisation normale (défaut : le minimum du stade)')
    .option('--fin <AAAA-MM-JJ>', 'date de réalisation des mesures (défaut : fin de l’année)')
    .action(action(async (o: Commun & { stade: string; dateConstat: string; pourcentage?: string; fin?: string }) => {
      if (!STADES.includes(o.stade as StadeCotisation)) throw new UserError(`--stade ${o.stade} : ${STADES.join(', ')}`, 2);
      const r = await withDb(async (db) => ({ ...(await imposerCotisation(db, { siret: siretOption(o.siret), codeRisque: o.codeRisque, section: section(o.section), agent: o.agent, motif: o.motif, stade: o.stade as StadeCotisation, pourcentage: o.pourcentage, dateConstat: dateOption(o.dateConstat, '--date-constat'), fin: o.fin && dateOption(o.fin, '--fin') })), lettres: await lettres(db) }));
      afficher(r, o.json);
    }));

  communes(decision.command('fin-cotisation').description('mesures réalisées : la cotisation supplémentaire en cours prend fin la veille de cette date'))
    .requiredOption('--date <AAAA-MM-JJ>', 'date de réalisation des mesures')
    .action(action(async (o: Commun & { date: string }) => {
      const r = await withDb(async (db) => ({ ...(await terminerCotisation(db, { siret: siretOption(o.siret), codeRisque: o.codeRisque, section: section(o.section), agent: o.agent, motif: o.motif, date: dateOption(o.date, '--date') })), lettres: await lettres(db) }));
      afficher(r, o.json);
    }));

  communes(decision.command('creation').description('section créée en cours d’année (nouvel établissement, section FSNA accordée) : taux collectif de l’année jusqu’au 31 décembre (CSS D242-6-17)'))
    .requiredOption('--date <AAAA-MM-JJ>', 'date de création')
    .action(action(async (o: Commun & { date: string }) => {
      const s = section(o.section) ?? 'principale';
      if (s === 'bureau') throw new UserError('--section bureau : le taux bureau n’existe plus depuis 2020', 2);
      const r = await withDb(async (db) => ({ ...(await deciderCreation(db, { siret: siretOption(o.siret), codeRisque: o.codeRisque, section: s, date: dateOption(o.date, '--date'), agent: o.agent, motif: o.motif })), lettres: await lettres(db) }));
      if (o.json) printJson(r);
      else process.stdout.write([ligne({ ...r.decision, nouvelle: r.nouvelle }), ...r.lettres].join('\n') + '\n');
    }));

  decision.command('reclassement').description('changement de code risque en cours d’année : taux collectif du nouveau code jusqu’au 31 décembre')
    .requiredOption('--siret <S>', 'SIRET')
    .requiredOption('--ancien-code <C>', 'code risque en vigueur')
    .requiredOption('--code-risque <C>', 'nouveau code risque')
    .requiredOption('--date <AAAA-MM-JJ>', 'date d’effet')
    .option('--agent <nom>', 'agent qui décide', userInfo().username)
    .option('--motif <texte>', 'motif')
    .option('--json', 'sortie JSON')
    .action(action(async (o: { siret: string; ancienCode: string; codeRisque: string; date: string; agent: string; motif?: string; json?: boolean }) => {
      const r = await withDb(async (db) => ({ ...(await deciderReclassement(db, { siret: siretOption(o.siret), ancienCode: o.ancienCode, codeRisque: o.codeRisque, date: dateOption(o.date, '--date'), agent: o.agent, motif: o.motif })), lettres: await lettres(db) }));
      if (o.json) printJson(r);
      else process.stdout.write([ligne({ ...r.decision, nouvelle: r.nouvelle }), ...r.lettres].join('\n') + '\n');
    }));

  decision.command('recours').description('enregistre un recours contre le taux d’une année : ce taux n’est plus définitif')
    .requiredOption('--siret <S>', 'SIRET')
    .requiredOption('--code-risque <C>', 'code risque')
    .requiredOption('--annee <N>', 'année du taux')
    .requiredOption('--date <AAAA-MM-JJ>', 'date du recours')
    .option('--instance <i>', 'recours gracieux, CRA, cour d’appel d’Amiens…', 'recours gracieux')
    .action(action(async (o: { siret: string; codeRisque: string; annee: string; date: string; instance: string }) => {
      const r = await withDb((db) => enregistrerRecours(db, { siret: siretOption(o.siret), codeRisque: o.codeRisque, annee: parseAnnee(o.annee), date: dateOption(o.date, '--date'), instance: o.instance }));
      process.stdout.write(`recours du ${o.date} enregistré contre la décision n° ${r.decision}\n`);
    }));

  decision.command('lettres').description('rend les lettres des décisions qui n’en ont pas encore (une par destinataire, dans out/decisions/<date>/)')
    .action(action(async () => {
      const l = await withDb(lettres);
      process.stdout.write((l.length ? l.join('\n') : 'aucune décision en attente de lettre') + '\n');
    }));

  decision.command('notifiee').description('enregistre la date certaine de notification des taux d’une année (accusé de réception, consultation) : le délai de recours de deux mois court de cette date')
    .requiredOption('--annee <N>', 'année des taux')
    .requiredOption('--date <AAAA-MM-JJ>', 'date de notification')
    .option('--siret <S>', 'un établissement (défaut : toutes les décisions de l’année sans date de notification)')
    .action(action(async (o: { annee: string; date: string; siret?: string }) => {
      const n = await withDb((db) => enregistrerNotification(db.knex, { annee: parseAnnee(o.annee), date: dateOption(o.date, '--date'), siret: o.siret && siretOption(o.siret) }));
      process.stdout.write(`${n} décision(s) ${o.annee} notifiée(s) le ${o.date}\n`);
    }));

  program.command('decisions').description('suivi des décisions de taux')
    .command('budget').description('budget des ristournes travail de l’année : plafond de 0,40 % des cotisations AT/MP de la région, montant accordé, disponible')
    .requiredOption('--annee <N>', 'année de tarification')
    .option('--json', 'sortie JSON')
    .action(action(async (o: { annee: string; json?: boolean }) => {
      const b = await withDb((db) => budgetRistournes(db.knex, parseAnnee(o.annee)));
      if (o.json) {
        printJson(b);
        return;
      }
      const out = [
        `Ristournes ${b.annee} : cotisations AT/MP de la région ${b.cotisations_region} € (${b.etablissements} établissements) ; plafond 0,40 % : ${b.plafond} €`,
        `  accordé ${b.accorde} € (${b.taux_utilise ?? '—'} % du plafond) ; disponible ${b.disponible} €`,
        ...b.ristournes.map((r: any) => `  n° ${r.id} ${r.siret} ${r.code_risque} : ${r.pourcentage} % (${points(r.points)} point) du ${String(r.debut).slice(0, 10)} au ${String(r.fin).slice(0, 10)}, coût estimé ${r.cout_estime} €`),
      ];
      process.stdout.write(out.join('\n') + '\n');
    }));

  program.command('taux').description('taux en vigueur')
    .command('export').description('taux en vigueur pour les logiciels de paie : une ligne par SIRET × code risque × section et par période (décisions successives = lignes successives)')
    .requiredOption('--annee <N>', 'année')
    .option('--siren <S>', 'une entreprise')
    .option('--format <f>', 'csv ou json', 'csv')
    .option('--out <F>', 'fichier, ou - pour la sortie standard', '-')
    .action(action(async (o: { annee: string; siren?: string; format: string; out: string }) => {
      if (!['csv', 'json'].includes(o.format)) throw new UserError(`--format ${o.format} : csv ou json`, 2);
      if (o.siren !== undefined && !/^\d{9}$/.test(o.siren)) throw new UserError(`--siren ${o.siren} : 9 chiffres attendus`, 2);
      const lignes = await withDb((db) => exporterTaux(db.knex, parseAnnee(o.annee), o.siren));
      const texte = o.format === 'json' ? JSON.stringify(lignes, null, 2) + '\n' : versCsv(lignes as never, COLONNES_EXPORT);
      if (o.out === '-') process.stdout.write(texte);
      else {
        writeFileSync(o.out, texte);
        process.stderr.write(`${lignes.length} lignes écrites dans ${o.out}\n`);
      }
    }));
}
