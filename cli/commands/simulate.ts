import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { action, printJson, withDb } from '../run.ts';
import { EntreeInvalide, simuler } from '../../pipelines/simulation/simuler.ts';

const EXEMPLE = `
Entrée (nombres en chaînes décimales) :
  { "annee": 2024, "alsace_moselle": false,
    "bareme": { "m2": "58", "taux_collectifs": { "52.1BC": "2.05" }, "couts_moyens": { "D": { "IT1": "305" } } },
    "entreprise": { "effectif": "200" }            (ou "effectifs_mensuels": { "2022-01": "12", … })
    "etablissement": { "code_risque": "52.1BC", "date_creation": "2010-01-01", "section": "principale", "taux_precedent": "4.50" },
    "masses_salariales": { "2020": "1000000", "2021": "1000000", "2022": "1000000" },
    "sinistres": [ { "annee": 2021, "nature": "AT", "jours_arret": 20, "taux_ip": "0", "deces": false, "part": "1" } ] }
  bareme : facultatif ; chaque clé remplace la valeur chargée pour l'année (m2 en %).
  section : principale (défaut), fsna, bureau. Sinistres : nature AT, MP, TRAJET ; compte_special ; part (défaut 1) ;
  jours_arret présent = IT imputée (0 : soins sans arrêt) ; taux_ip > 0 ou deces = IP imputée ; id (chaîne).
  interim : "utilisatrice" (sinistre d'intérimaire imputé à l'entreprise utilisatrice) ou "ett" (à l'entreprise de
  travail temporaire) : la part vient de l'art. R242-6-1 (1/3 des IP ≥ 10 % avant 2026, 1/2 de chaque catégorie
  ensuite, décret 2024-723) selon l'année du sinistre ; une part explicite l'emporte.
  Toute clé inconnue, à tout niveau, est refusée (code 2) avec son chemin (ex. sinistres[2].foo).
  etablissement.taux_precedents : [{ "taux": "3.00", "masse_salariale": "1000000" }, …] pour une première année de taux unique.
Sortie : taux_collectif, taux_brut, taux_net_individuel, fraction_individuelle, taux_calcule, ecretement, taux_notifie, explication.
Entrée invalide : code 2, motif sur stderr, {"erreur": "…"} sur stdout.`;

export function register(program: Command) {
  program
    .command('simulate')
    .description("simulateur de taux : la situation d'un établissement en JSON, son taux et l'explication de chaque étape en JSON")
    .argument('[fichier]', 'fichier JSON, ou - (défaut) pour l’entrée standard')
    .addHelpText('after', EXEMPLE)
    .action(
      action(async (fichier: string | undefined) => {
        const fail = (msg: string) => {
          process.stderr.write(`atmp simulate: ${msg}\n`);
          printJson({ erreur: msg });
          return 2;
        };
        let text: string;
        try {
          text = readFileSync(!fichier || fichier === '-' ? 0 : fichier, 'utf8');
        } catch (e) {
          return fail(`${fichier}: illisible (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        let input: unknown;
        try {
          input = JSON.parse(text);
        } catch (e) {
          return fail(`JSON mal formé : ${(e as Error).message}`);
        }
        try {
          printJson(await withDb((db) => simuler(db.knex, input)));
        } catch (e) {
          if (e instanceof EntreeInvalide) return fail(e.message);
          throw e;
        }
      }),
    );
}
