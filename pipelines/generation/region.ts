/**
 * `atmp generate`: a realistic synthetic region for demos, tests and benchmarks, deterministic for a seed.
 * Companies of every size (most under 20 employees, a tail over 150), groups, establishments in several CTN and
 * codes risque (only codes whose CTN has complete coûts moyens for the rate year), Alsace-Moselle establishments,
 * an FSNA section, a former bureau section, new establishments, a taux unique; real NEODeS DSN files (monthly,
 * N-4 to mid N-1, hirings, departures, part time, apprentices, replacement CDD, régularisations, some annule et
 * remplace, a duplicate file and a malformed one); two CPAM extracts of sinistres (updates, an inopposable
 * claim); the référentiel CSVs. Every person, name and number is fictitious.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { csvCell, parseCsv } from '../../lib/csv.ts';
import { avecCleLuhn } from '../../lib/siret.ts';
import { categoriesAttendues, type TableCouts } from '../../rules/bareme.ts';
import { REFERENCE_DIR } from '../bareme/reference.ts';
import { joursDuMois } from '../../rules/effectif-mensuel.ts';
import { texteDsn, type ContratSpec, type DeclarationSpec, type IndividuSpec } from '../ingest-dsn/synthetique.ts';
import { Hasard } from './hasard.ts';

export interface OptionsGeneration {
  dossier: string;
  entreprises: number;
  graine: number;
  /** rate year N of the campaign the region is made for (its barème must have complete coûts moyens) */
  annee: number;
  progression?: (fait: number, total: number) => void;
}

export interface RapportGeneration {
  dossier: string;
  annee: number;
  entreprises: number;
  etablissements: number;
  groupes: number;
  fichiers_dsn: number;
  declarations: number;
  sinistres: number;
  cas_particuliers: Record<string, string[]>;
}

interface Personne {
  id: number;
  debut: string; // YYYY-MM-DD
  fin?: string;
  /** contractual monthly hours of a part-timer (full time 151.67) */
  quotite?: string;
  apprenti: boolean;
  remplacement: boolean;
  /** full-time monthly gross salary, in cents */
  salaire: number;
  fsna: boolean;
  bureau: boolean;
}

interface Etab {
  siret: string;
  siren: string;
  nic: string;
  nom: string;
  adresse: string;
  codePostal: string;
  commune: string;
  code: string;
  ctn: string;
  tauxCollectif: string;
  creation: string;
  alsaceMoselle: boolean;
  optionTauxUnique?: string;
  fsna: boolean;
  bureau: boolean;
  personnes: Personne[];
  cible: number;
}

interface Entreprise {
  siren: string;
  nom: string;
  etabs: Etab[];
  groupe?: string;
  demat: boolean;
  email: string;
  taille: 'petite' | 'moyenne' | 'grande';
}

const VILLES: [string, string][] = [['59000', 'Lille'], ['59100', 'Roubaix'], ['62000', 'Arras'], ['80000', 'Amiens'], ['02100', 'Saint-Quentin'], ['60000', 'Beauvais'], ['59300', 'Valenciennes'], ['62100', 'Calais']];
const VILLES_AM: [string, string][] = [['67000', 'Strasbourg'], ['68100', 'Mulhouse'], ['57000', 'Metz']];
const RUES = ['rue de la République', 'avenue Foch', 'rue du Général de Gaulle', 'boulevard Carnot', "rue de l'Église", 'place du Marché', 'rue Jean Jaurès', 'quai du Port'];
const NOMS = ['Dupont', 'Lefebvre', 'Martin', 'Lemaire', 'Dubois', 'Caron', 'Leroy', 'Fournier', 'Mercier', 'Vasseur', 'Delattre', 'Lambert'];
const ACTIVITES = ['Ateliers', 'Industries', 'Services', 'Transports', 'Conserveries', 'Menuiseries', 'Fonderies', 'Commerces', 'Laboratoires', 'Imprimeries'];

const cents = (c: number) => `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
const jjmmaaaa = (iso: string) => `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(0, 4)}`;
const iso = (a: number, m: number, j: number) => `${a}-${String(m).padStart(2, '0')}-${String(j).padStart(2, '0')}`;
const csv = (lignes: string[][]) => lignes.map((l) => l.map((v) => csvCell(v)).join(';')).join('\n') + '\n';

/** Codes risque the campaign can rate for year N: CTN with complete coûts moyens, BTP codes with a known group. */
function codesUtilisables(annee: number): { code: string; ctn: string; taux: string }[] {
  const couts = parseCsv(readFileSync(join(REFERENCE_DIR, 'couts-moyens', `${annee}.csv`), 'utf8')).rows;
  const complets = new Set(
    (['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'] as TableCouts[]).filter((t) => categoriesAttendues(t).every((c) => couts.some((r) => r.values.ctn === t && r.values.categorie === c))),
  );
  const ctn = new Map(parseCsv(readFileSync(join(REFERENCE_DIR, 'codes-risque.csv'), 'utf8')).rows.map((r) => [r.values.code_risque, r.values]));
  const btp = new Set(parseCsv(readFileSync(join(REFERENCE_DIR, 'groupes-btp.csv'), 'utf8')).rows.map((r) => r.values.code_risque));
  const taux = parseCsv(readFileSync(join(REFERENCE_DIR, 'taux-collectifs', `${annee}.csv`), 'utf8')).rows;
  // codes on the collective rate whatever the size (D.242-6-14 "TC", latest published mark) are left out: the
  // region is meant to exercise the three modes
  const tc = new Set<string>();
  for (let a = annee; a >= 2016; a--) {
    const f = join(REFERENCE_DIR, 'taux-collectifs', `${a}.csv`);
    if (!existsSync(f)) continue;
    for (const r of parseCsv(readFileSync(f, 'utf8')).rows) if (r.values.collectif_quel_que_soit_effectif === 'oui') tc.add(r.values.code_risque);
  }
  return taux
    .map((r) => ({ code: r.values.code_risque, ctn: ctn.get(r.values.code_risque)?.ctn ?? '', taux: r.values.taux_net }))
    .filter((c) => complets.has(c.ctn as TableCouts) && !c.code.startsWith('00.00') && !tc.has(c.code) && (c.ctn !== 'B' || btp.has(c.code)) && Number(c.taux) >= 0.5 && Number(c.taux) <= 9);
}

export function genererRegion(opts: OptionsGeneration): RapportGeneration {
  const { dossier, annee } = opts;
  const h = new Hasard(opts.graine);
  const codes = codesUtilisables(annee);
  if (!codes.length) throw new Error(`aucun code risque utilisable pour ${annee} : coûts moyens incomplets`);
  // a regional mix: some codes frequent, most rare
  const pool = Array.from({ length: 24 }, () => h.choix(codes));
  const debut = { a: annee - 4, m: 1 };
  const fin = { a: annee - 1, m: 6 };
  const cas: Record<string, string[]> = { fsna: [], bureau: [], nouveaux: [], alsace_moselle: [], taux_unique: [], annule_et_remplace: [], regularisations: [], doublon: [], malforme: [], inopposable: [] };

  // --- companies and establishments
  let personneId = 0;
  const entreprises: Entreprise[] = [];
  const nouvellePersonne = (debutIso: string): Personne => {
    const partiel = h.vrai(0.18);
    return {
      id: ++personneId, debut: debutIso, apprenti: h.vrai(0.05), remplacement: h.vrai(0.03),
      quotite: partiel ? h.choix(['75.84', '91.00', '106.17', '121.34']) : undefined,
      salaire: h.entier(1800_00, 4200_00), fsna: false, bureau: false,
    };
  };
  for (let i = 0; i < opts.entreprises; i++) {
    const siren = avecCleLuhn(String(31000000 + opts.graine * 7919 % 1000 * 1000 + i).padStart(8, '0').slice(-8));
    const r = h.suivant();
    const taille = r < 0.7 ? 'petite' : r < 0.95 ? 'moyenne' : 'grande';
    const effectif = taille === 'petite' ? h.entier(1, 18) : taille === 'moyenne' ? h.entier(20, 140) : h.entier(160, 320);
    const nbEtabs = taille === 'petite' ? (h.vrai(0.1) ? 2 : 1) : taille === 'moyenne' ? h.entier(1, 3) : h.entier(2, 4);
    const nom = `${h.choix(ACTIVITES)} ${h.choix(NOMS)}${h.vrai(0.3) ? ' et Fils' : ''}`;
    // Alsace-Moselle: the last establishment of some large companies (individuel rate: no annex 3 needed)
    const am = taille === 'grande' && effectif >= 200 && nbEtabs >= 2 && h.vrai(0.3);
    const code0 = h.choix(pool);
    const etabs: Etab[] = [];
    for (let k = 0; k < nbEtabs; k++) {
      const nic = avecCleLuhn(`${siren}${String(k + 1).padStart(4, '0')}`).slice(9);
      const enAm = am && k === nbEtabs - 1;
      const [codePostal, commune] = enAm ? h.choix(VILLES_AM) : h.choix(VILLES);
      let c = k === 0 || h.vrai(0.6) ? code0 : h.choix(pool);
      // BTP in Alsace-Moselle has its own thresholds (mixte up to 300): keep those establishments out of the BTP
      if (enAm && c.ctn === 'B') c = pool.find((x) => x.ctn !== 'B') ?? c;
      const part = Math.max(1, Math.round(effectif / nbEtabs));
      etabs.push({
        siret: siren + nic, siren, nic, nom: k === 0 ? nom : `${nom} — ${commune}`, adresse: `${h.entier(1, 120)} ${h.choix(RUES)}`,
        codePostal, commune, code: c.code, ctn: c.ctn, tauxCollectif: c.taux,
        creation: iso(h.entier(1985, annee - 6), h.entier(1, 12), 1), alsaceMoselle: /^(57|67|68)/.test(codePostal),
        fsna: false, bureau: false, personnes: [], cible: part,
      });
    }
    entreprises.push({ siren, nom, etabs, demat: h.vrai(0.85), email: `paie@${nom.toLowerCase().normalize('NFD').replace(/[^a-z]+/g, '-')}-${i}.example.fr`, taille });
  }

  // --- particular cases the campaign must handle
  const petitesOuMoyennes = entreprises.filter((e) => e.taille !== 'grande');
  for (const e of petitesOuMoyennes.filter((e) => e.taille === 'moyenne').slice(0, 2)) {
    e.etabs[0].fsna = true;
    cas.fsna.push(e.etabs[0].siret);
  }
  const grandes = entreprises.filter((e) => e.taille === 'grande');
  if (grandes[0]) {
    grandes[0].etabs[0].bureau = true;
    cas.bureau.push(grandes[0].etabs[0].siret);
  }
  const tu = grandes.find((e) => e.etabs.length >= 2 && !e.etabs.some((x) => x.alsaceMoselle));
  if (tu) {
    for (const x of tu.etabs) {
      x.code = tu.etabs[0].code;
      x.ctn = tu.etabs[0].ctn;
      x.tauxCollectif = tu.etabs[0].tauxCollectif;
      x.optionTauxUnique = `${annee}-01-01`;
    }
    cas.taux_unique.push(tu.siren);
  }
  for (const e of entreprises) for (const x of e.etabs) if (x.alsaceMoselle) cas.alsace_moselle.push(x.siret);
  for (const e of entreprises.filter((e) => e.taille !== 'petite' && e.etabs.length >= 2 && !e.etabs.at(-1)!.alsaceMoselle && !e.etabs.at(-1)!.optionTauxUnique).slice(0, 3)) {
    const x = e.etabs.at(-1)!;
    x.creation = iso(annee - 2 + (cas.nouveaux.length % 2), h.entier(2, 11), 1);
    cas.nouveaux.push(x.siret);
  }
  // groups: a few heads with 2 to 4 companies, most receiving one grouped notification
  const groupes: { id: string; nom: string; tete: string; email: string; groupee: boolean }[] = [];
  const libres = entreprises.filter((e) => e.taille !== 'petite' && !e.groupe);
  for (let g = 0; libres.length >= 3 && g < Math.max(1, Math.floor(opts.entreprises / 40)); g++) {
    const membres = libres.splice(0, h.entier(2, 3));
    const id = `G${g + 1}`;
    for (const m of membres) m.groupe = id;
    const petite = entreprises.find((e) => e.taille === 'petite' && !e.groupe);
    if (petite) petite.groupe = id;
    groupes.push({ id, nom: `Groupe ${membres[0].nom}`, tete: membres[0].siren, email: membres[0].email.replace('paie@', 'siege@'), groupee: g % 4 !== 3 });
  }

  // --- staff over the months: initial headcount, departures, hirings
  const mois: { a: number; m: number }[] = [];
  for (let a = debut.a, m = debut.m; a < fin.a || (a === fin.a && m <= fin.m); m === 12 ? (a++, (m = 1)) : m++) mois.push({ a, m });
  for (const e of entreprises) {
    for (const x of e.etabs) {
      const cree = x.creation > iso(debut.a, 1, 1);
      if (!cree) for (let n = 0; n < x.cible; n++) x.personnes.push(nouvellePersonne(iso(h.entier(2005, debut.a - 1), h.entier(1, 12), h.entier(1, 28))));
      for (const { a, m } of mois) {
        const premier = iso(a, m, 1);
        if (premier < x.creation.slice(0, 8) + '01') continue;
        const actifs = x.personnes.filter((p) => !p.fin);
        for (const p of actifs) if (h.vrai(0.012)) p.fin = iso(a, m, h.entier(1, joursDuMois(a, m)));
        const manque = x.cible - x.personnes.filter((p) => !p.fin || p.fin >= premier).length;
        for (let n = 0; n < Math.max(0, manque + (h.vrai(0.1) ? 1 : 0)); n++) x.personnes.push(nouvellePersonne(iso(a, m, cree && premier === x.creation.slice(0, 8) + '01' ? 1 : h.entier(1, joursDuMois(a, m)))));
      }
      if (x.fsna || x.bureau) for (const p of x.personnes.slice(0, Math.max(1, Math.ceil(x.personnes.length / 6)))) (x.fsna ? (p.fsna = true) : (p.bureau = true));
    }
  }

  // --- DSN files: one per company and month (one declaration per establishment)
  if (existsSync(dossier)) rmSync(dossier, { recursive: true, force: true });
  const dDsn = join(dossier, 'dsn');
  mkdirSync(dDsn, { recursive: true });
  let fichiers = 0;
  let declarations = 0;
  const codeDsn = (code: string) => code.replace('.', '');
  const contrat = (x: Etab, p: Personne, findeMois: string): ContratSpec => ({
    debut: jjmmaaaa(p.debut),
    fin: p.fin && p.fin <= findeMois ? jjmmaaaa(p.fin) : undefined,
    nature: p.remplacement ? '02' : '01',
    dispositif: p.apprenti ? '64' : '99',
    motif: p.remplacement ? '01' : undefined,
    quotite: p.quotite,
    modalite: p.quotite ? '20' : '10',
    codeRisque: p.fsna ? (x.ctn === 'B' ? '0000A' : '0000B') : p.bureau ? `${codeDsn(x.code)}B` : codeDsn(x.code),
    taux: p.fsna ? '00.64' : (Number(x.tauxCollectif).toFixed(2)).padStart(5, '0'),
  });
  for (const [ie, e] of entreprises.entries()) {
    for (const [im, { a, m }] of mois.entries()) {
      const premier = iso(a, m, 1);
      const dernier = iso(a, m, joursDuMois(a, m));
      const decls: DeclarationSpec[] = [];
      for (const x of e.etabs) {
        const presents = x.personnes.filter((p) => p.debut <= dernier && (!p.fin || p.fin >= premier));
        if (!presents.length) continue;
        const individus: IndividuSpec[] = presents.map((p) => {
          // days under contract this month (pro rata of the salary and hours)
          const de = p.debut > premier ? Number(p.debut.slice(8)) : 1;
          const a2 = p.fin && p.fin <= dernier ? Number(p.fin.slice(8)) : joursDuMois(a, m);
          const jours = a2 - de + 1;
          const quot = p.quotite ? Math.round(Number(p.quotite) * 100) : 15167;
          const montant = Math.round((p.salaire * quot * jours) / (15167 * joursDuMois(a, m)));
          const heures = Math.round((quot * jours) / joursDuMois(a, m));
          const bases = [{ debut: jjmmaaaa(premier), fin: jjmmaaaa(dernier), montant: cents(montant) }];
          // régularisation of the previous month (a signed delta dated in the month it corrects)
          if (im > 0 && h.vrai(0.01) && p.debut < premier) {
            const prec = mois[im - 1];
            const delta = h.entier(-150_00, 300_00);
            bases.push({ debut: jjmmaaaa(iso(prec.a, prec.m, 1)), fin: jjmmaaaa(iso(prec.a, prec.m, joursDuMois(prec.a, prec.m))), montant: cents(delta) });
            if (cas.regularisations.length < 20) cas.regularisations.push(`${x.siret} ${premier.slice(0, 7)} → ${iso(prec.a, prec.m, 1).slice(0, 7)} ${cents(delta)}`);
          }
          const nir = `1${String(60 + (p.id % 40))}${String(1 + (p.id % 12)).padStart(2, '0')}59${String(p.id).padStart(6, '0').slice(-6)}`;
          return { nir, nom: h.choix(NOMS).toUpperCase(), contrats: [contrat(x, p, dernier)], bases, heures: cents(heures) };
        });
        decls.push({ siren: e.siren, nic: x.nic, apet: '2511Z', mois: `${String(m).padStart(2, '0')}${a}`, adresse: x.adresse.toUpperCase(), individus });
      }
      if (!decls.length) continue;
      const dMois = join(dDsn, `${a}-${String(m).padStart(2, '0')}`);
      mkdirSync(dMois, { recursive: true });
      const nomFichier = join(dMois, `${e.siren}-${a}${String(m).padStart(2, '0')}.dsn`);
      writeFileSync(nomFichier, texteDsn([{ declarations: decls }], { crlf: ie % 3 === 0 }), 'latin1');
      fichiers++;
      declarations += decls.length;
      // annule et remplace: a corrected declaration of the same month, sent later with a higher numéro d'ordre
      if (h.vrai(0.004) || (cas.annule_et_remplace.length === 0 && ie === 1 && im === 5)) {
        const d = decls[0];
        const corrige: DeclarationSpec = {
          ...d, type: '03', numero: '1', constitution: `10${String(m === 12 ? 1 : m + 1).padStart(2, '0')}${m === 12 ? a + 1 : a}`,
          individus: d.individus!.map((ind) => ({ ...ind, bases: ind.bases!.slice(0, 1).map((b) => ({ ...b, montant: cents(Math.round(Number(b.montant.replace('.', '')) * 1.02)) })) })),
        };
        writeFileSync(nomFichier.replace('.dsn', '-annule-remplace.dsn'), texteDsn([{ declarations: [corrige] }]), 'latin1');
        fichiers++;
        declarations++;
        cas.annule_et_remplace.push(`${d.siren}${d.nic} ${premier.slice(0, 7)}`);
      }
      if (ie === 2 && im === 3) {
        copyFileSync(nomFichier, join(dMois, `copie-${e.siren}-${a}${String(m).padStart(2, '0')}.dsn`));
        fichiers++;
        cas.doublon.push(`copie-${e.siren}-${a}${String(m).padStart(2, '0')}.dsn`);
      }
      if (ie === 3 && im === 7) {
        // a malformed file: an envoi cut before its S90 total
        const lignes = texteDsn([{ declarations: decls.map((d) => ({ ...d, type: '03', numero: '2', constitution: `20${String(m === 12 ? 1 : m + 1).padStart(2, '0')}${m === 12 ? a + 1 : a}` })) }]).split('\n');
        const tronque = join(dMois, `${e.siren}-${a}${String(m).padStart(2, '0')}-renvoi.dsn`);
        writeFileSync(tronque, lignes.slice(0, Math.floor(lignes.length * 0.6)).join('\n') + '\n', 'latin1');
        fichiers++;
        cas.malforme.push(tronque.slice(dossier.length + 1));
      }
    }
    opts.progression?.(ie + 1, entreprises.length);
  }

  // --- référentiel
  const dRef = join(dossier, 'referentiel');
  mkdirSync(dRef, { recursive: true });
  // a small region may have no group: no file then (an empty one would be refused, as it should)
  if (groupes.length) writeFileSync(join(dRef, 'groupes.csv'), csv([['groupe_id', 'nom', 'siren_tete', 'email_notification', 'notification_groupee'], ...groupes.map((g) => [g.id, g.nom, g.tete, g.email, g.groupee ? 'oui' : 'non'])]));
  writeFileSync(join(dRef, 'entreprises.csv'), csv([
    ['siren', 'raison_sociale', 'siret_siege', 'groupe_id', 'adresse', 'code_postal', 'commune', 'email_notification', 'notification_dematerialisee'],
    ...entreprises.map((e) => [e.siren, e.nom, e.etabs[0].siret, e.groupe ?? '', e.etabs[0].adresse, e.etabs[0].codePostal, e.etabs[0].commune, e.email, e.demat ? 'oui' : 'non']),
  ]));
  const lignesEtab: string[][] = [['siret', 'nom', 'adresse', 'code_postal', 'commune', 'code_risque', 'section', 'date_debut_section', 'date_creation', 'option_taux_unique']];
  const lignesTaux: string[][] = [['siret', 'code_risque', 'annee', 'taux']];
  for (const e of entreprises) {
    for (const x of e.etabs) {
      const base = [x.siret, x.nom, x.adresse, x.codePostal, x.commune];
      lignesEtab.push([...base, x.code, 'principale', x.creation, x.creation, x.optionTauxUnique ?? '']);
      // every row of an establishment repeats its own facts (creation, taux unique option): the import checks they agree
      if (x.fsna) lignesEtab.push([...base, x.ctn === 'B' ? '00.00A' : '00.00B', 'fsna', `${annee - 5}-01-01`, x.creation, x.optionTauxUnique ?? '']);
      if (x.bureau) lignesEtab.push([...base, x.ctn === 'B' ? '00.00A' : '00.00B', 'bureau', x.creation, x.creation, x.optionTauxUnique ?? '']);
      if (x.creation < iso(annee - 1, 1, 1)) {
        // the rate notified for N-1: around the collective rate, with each company's own record
        const t = Math.max(40, Math.round(Number(x.tauxCollectif) * 100 * (0.6 + h.suivant() * 0.9)));
        lignesTaux.push([x.siret, x.code, String(annee - 1), cents(t)]);
        if (x.bureau) lignesTaux.push([x.siret, x.ctn === 'B' ? '00.00A' : '00.00B', String(annee - 1), '0.90']);
      }
    }
  }
  writeFileSync(join(dRef, 'etablissements.csv'), csv(lignesEtab));
  writeFileSync(join(dRef, 'taux-notifies.csv'), csv(lignesTaux));

  // --- sinistres: two CPAM extracts, the second updating the first
  const dSin = join(dossier, 'sinistres');
  mkdirSync(dSin, { recursive: true });
  const entete = ['sinistre_id', 'siret', 'nature', 'date_accident', 'date_declaration', 'annee_imputation', 'jours_arret', 'taux_ip', 'date_notification_ip', 'deces', 'compte_special', 'inopposable', 'date_inopposabilite', 'date_extraction'];
  const extrait1 = `${annee - 1}-06-30`;
  const extrait2 = `${annee}-01-15`;
  const l1: string[][] = [entete];
  const l2: string[][] = [entete];
  let nSin = 0;
  for (const e of entreprises) {
    for (const x of e.etabs) {
      for (let a = annee - 5; a <= annee - 1; a++) {
        const exposes = x.personnes.filter((p) => p.debut <= iso(a, 12, 31) && (!p.fin || p.fin >= iso(a, 1, 1))).length;
        const n = h.poisson((exposes * Number(x.tauxCollectif)) / 60);
        for (let k = 0; k < n; k++) {
          const accident = iso(a, h.entier(1, 12), h.entier(1, 28));
          if (accident > extrait1 && accident > extrait2) continue;
          const r = h.suivant();
          const nature = r < 0.85 ? 'AT' : r < 0.95 ? 'TRAJET' : 'MP';
          const gravite = h.suivant();
          const jours = gravite < 0.3 ? h.entier(0, 3) : gravite < 0.6 ? h.entier(4, 15) : gravite < 0.8 ? h.entier(16, 45) : gravite < 0.9 ? h.entier(46, 90) : gravite < 0.95 ? h.entier(91, 150) : h.entier(151, 400);
          const ip = h.vrai(nature === 'MP' ? 0.3 : 0.08) ? h.entier(1, 60) : 0;
          const deces = nature !== 'TRAJET' && h.vrai(0.003);
          const notifIp = ip || deces ? iso(Math.min(a + 1, annee - 1), h.entier(1, 12), 15) : '';
          const decl = iso(a, Number(accident.slice(5, 7)), Math.min(28, Number(accident.slice(8)) + 2));
          const id = `${x.siret.slice(-5)}-${a}-${++nSin}`;
          const cs = nature === 'MP' && h.vrai(0.2);
          const ligne = (joursArret: number, avecIp: boolean, extraction: string, inopposable = '') => [
            id, x.siret, nature, accident, decl, String(a), String(joursArret), avecIp && ip ? String(ip) : '', avecIp ? notifIp : '',
            avecIp && deces ? 'oui' : 'non', cs ? 'oui' : 'non', inopposable ? 'oui' : 'non', inopposable, extraction,
          ];
          if (accident <= extrait1) l1.push(ligne(Math.min(jours, h.entier(0, jours)), notifIp !== '' && notifIp <= extrait1, extrait1));
          const inopp = cas.inopposable.length === 0 && nature === 'AT' && jours > 15 && accident <= extrait1 ? `${annee - 1}-11-02` : '';
          if (inopp) cas.inopposable.push(id);
          l2.push(ligne(jours, notifIp !== '' && notifIp <= extrait2, extrait2, inopp));
        }
      }
    }
  }
  writeFileSync(join(dSin, `sinistres-extrait-${extrait1}.csv`), csv(l1));
  writeFileSync(join(dSin, `sinistres-extrait-${extrait2}.csv`), csv(l2));

  const rapport: RapportGeneration = {
    dossier, annee, entreprises: entreprises.length, etablissements: entreprises.reduce((s, e) => s + e.etabs.length, 0),
    groupes: groupes.length, fichiers_dsn: fichiers, declarations, sinistres: nSin, cas_particuliers: cas,
  };
  writeFileSync(join(dossier, 'manifeste.json'), JSON.stringify({ ...rapport, graine: opts.graine }, null, 2) + '\n');
  return rapport;
}
