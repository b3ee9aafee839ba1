import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { writeFileSync } from 'node:fs';
import { action, parseAnnee, printJson, withDb } from '../run.ts';
import { UserError } from '../../lib/errors.ts';
import { MOTIFS_RECTIFICATION, type MotifRectification } from '../../rules/rectification.ts';
import { appliquerRectifications, exportUrssaf, planifierRectifications, publiques, type LigneRectification } from '../../pipelines/decisions/rectification.ts';
import { versCsv } from '../../pipelines/decisions/export.ts';
import { dateOption, lettres, siretOption } from './decision.ts';

const STATUT: Record<LigneRectification['statut'], string> = { a_rectifier: 'à rectifier', rectifie: 'rectifié', definitif_non_rectifie: 'définitif, non rectifié' };
const v = (t: string) => t.replace('.', ',');

function texte(ls: LigneRectification[], applique: boolean): string {
  if (!ls.length) return 'aucun taux notifié dont les entrées ont changé : rien à rectifier\n';
  const out: string[] = [];
  for (const l of ls) {
    const pourquoi = l.definitif ? ` (notifié le ${l.notifiee_le}, sans recours)` : l.recours ? ' (recours en cours)' : l.notifiee_le ? ` (notifié le ${l.notifiee_le}, délai de recours ouvert)` : ' (date de notification inconnue)';
    out.push(`${l.annee} ${l.siret} ${l.code_risque} (${l.section}) : ${v(l.ancien_taux)} % → ${v(l.nouveau_taux)} % — ${STATUT[l.statut]}${pourquoi}${l.nouvelle_decision ? ` ; décision n° ${l.nouvelle_decision}` : ''}`);
    if (l.entrees.length) out.push(`    entrées modifiées : ${l.entrees.map((e) => `${e.etape} ${e.avant ?? '—'} → ${e.apres ?? '—'}`).join(' ; ')}`);
    for (const s of l.sinistres) out.push(`    sinistre ${s.sinistre_id} version ${s.version} (extrait du ${s.extraction}) : ${s.changement}`);
    if (l.bareme_modifie) out.push('    attention : le barème chargé a changé depuis la campagne');
  }
  const n = (s: LigneRectification['statut']) => ls.filter((l) => l.statut === s).length;
  out.push(applique ? `${n('rectifie')} taux rectifiés, ${n('definitif_non_rectifie')} définitifs non rectifiés` : `${n('a_rectifier')} taux à rectifier, ${n('definitif_non_rectifie')} définitifs non rectifiables pour ce motif`);
  return out.join('\n') + '\n';
}

const motifOption = (m: string | undefined): MotifRectification | undefined => {
  if (m === undefined) return undefined;
  if (!MOTIFS_RECTIFICATION.includes(m as MotifRectification)) throw new UserError(`--motif ${m} : ${MOTIFS_RECTIFICATION.join(', ')}`, 2);
  return m as MotifRectification;
};

export function register(program: Command) {
  const r = program.command('rectification').description('rectification des taux notifiés dont les entrées ont changé (sinistre inopposable, recatégorisé ou retiré, masse salariale corrigée)');

  r.command('detecter').description('liste, par établissement et année, l’ancien et le nouveau taux et les entrées modifiées ; recalcule les années dans l’ordre (le taux rectifié N est la base d’écrêtement de N+1) ; ne change rien')
    .option('--annee <N>', 'première année examinée (défaut : toutes les campagnes validées)')
    .option('--siret <S>', 'un établissement')
    .option('--motif <m>', `motif envisagé (${MOTIFS_RECTIFICATION.join(' | ')}) : seule une décision de justice rectifie un taux définitif`, 'reexamen-caisse')
    .option('--date <AAAA-MM-JJ>', 'date à laquelle le caractère définitif est apprécié (défaut : aujourd’hui)')
    .option('--json', 'sortie JSON')
    .action(action(async (o: { annee?: string; siret?: string; motif: string; date?: string; json?: boolean }) => {
      const ls = await withDb((db) => planifierRectifications(db, { annee: o.annee ? parseAnnee(o.annee) : undefined, siret: o.siret && siretOption(o.siret), motif: motifOption(o.motif), aujourdhui: o.date && dateOption(o.date, '--date') }));
      if (o.json) printJson(publiques(ls));
      else process.stdout.write(texte(ls, false));
    }));

  r.command('appliquer').description('enregistre les décisions de rectification (une nouvelle décision remplace l’ancienne, la campagne validée reste figée) ; un taux définitif n’est rectifié que sur décision de justice ; relancé, ne change rien')
    .requiredOption('--motif <m>', MOTIFS_RECTIFICATION.join(' | '))
    .option('--annee <N>', 'première année examinée')
    .option('--siret <S>', 'un établissement')
    .option('--date <AAAA-MM-JJ>', 'date à laquelle le caractère définitif est apprécié (défaut : aujourd’hui)')
    .option('--agent <nom>', 'agent qui décide', userInfo().username)
    .option('--json', 'sortie JSON')
    .action(action(async (o: { motif: string; annee?: string; siret?: string; date?: string; agent: string; json?: boolean }) => {
      const { ls, l } = await withDb(async (db) => {
        const ls = await appliquerRectifications(db, { motif: motifOption(o.motif)!, annee: o.annee ? parseAnnee(o.annee) : undefined, siret: o.siret && siretOption(o.siret), aujourdhui: o.date && dateOption(o.date, '--date'), agent: o.agent });
        return { ls, l: await lettres(db) };
      });
      if (o.json) printJson({ rectifications: ls, lettres: l });
      else process.stdout.write(texte(ls, true) + (l.length ? l.join('\n') + '\n' : ''));
    }));

  r.command('urssaf').description('remboursements et régularisations pour l’URSSAF (CSS L243-6) : SIRET, code risque, période, ancien et nouveau taux de chaque rectification')
    .option('--annee <N>', 'année des taux')
    .option('--format <f>', 'csv ou json', 'csv')
    .option('--out <F>', 'fichier, ou - pour la sortie standard', '-')
    .action(action(async (o: { annee?: string; format: string; out: string }) => {
      if (!['csv', 'json'].includes(o.format)) throw new UserError(`--format ${o.format} : csv ou json`, 2);
      const lignes = await withDb((db) => exportUrssaf(db.knex, o.annee ? parseAnnee(o.annee) : undefined));
      const t = o.format === 'json' ? JSON.stringify(lignes, null, 2) + '\n' : versCsv(lignes, ['siret', 'code_risque', 'section', 'debut', 'fin', 'ancien_taux', 'nouveau_taux', 'decision', 'decide_le', 'motif']);
      if (o.out === '-') process.stdout.write(t);
      else {
        writeFileSync(o.out, t);
        process.stderr.write(`${lignes.length} lignes écrites dans ${o.out}\n`);
      }
    }));
}
