-- Sinistralité statistics (docs/statistiques.md): views a statistician can query with psql, read by
-- sql/statistiques/*.sql and `atmp stats sinistralite`. Definitions, counting rules and the readings chosen where
-- the data cannot express a rule exactly: pipelines/statistiques/README.md.

-- Statistical secrecy rule (one row): a cell describing fewer than seuil_entreprises companies (distinct SIREN),
-- or where one company weighs more than seuil_dominance of the cell's effectif, heures or masse salariale, is
-- withheld. Kept in a table so the rule printed in every output header is the one applied.
create table stat_regle_secret (
  id                 integer primary key check (id = 1),
  seuil_entreprises  integer not null check (seuil_entreprises >= 1),
  seuil_dominance    numeric not null check (seuil_dominance > 0 and seuil_dominance <= 1)
);
insert into stat_regle_secret (id, seuil_entreprises, seuil_dominance) values (1, 3, 0.85);

-- CTN labels (docs/regles.md). CTN Z (compte spécial) is not a tariff CTN and has no row here.
create table stat_ctn (
  ctn      text primary key,
  libelle  text not null
);
insert into stat_ctn (ctn, libelle) values
  ('A', 'Métallurgie'),
  ('B', 'Bâtiment et travaux publics'),
  ('C', 'Transports, eau, gaz, électricité, livre et communication'),
  ('D', 'Alimentation'),
  ('E', 'Chimie, caoutchouc, plasturgie'),
  ('F', 'Bois, ameublement, papier-carton, textile, vêtement, cuirs et peaux, pierres et terres à feu'),
  ('G', 'Commerce non alimentaire'),
  ('H', 'Activités de services I'),
  ('I', 'Activités de services II et travail temporaire');

-- The statistical code risque of each establishment: the code of its section principale. DSN facts and claims are
-- per SIRET, not per section, so an establishment's FSNA (00.00B / 00.00A) or former bureau section sharing its
-- SIRET cannot be separated and is not a row of its own. A provisional establishment (from the DSN) may carry
-- several principal sections: the référentiel's first, then the latest start date, then the smallest code.
create view stat_etablissement as
select distinct on (e.siret) e.siret, e.siren, s.code_risque, c.ctn, c.libelle, e.apet as apet_referentiel
from etablissement e
join etablissement_section s on s.siret = e.siret and s.section = 'principale'
join code_risque c on c.code_risque = s.code_risque
where s.code_risque not in ('00.00A', '00.00B')
order by e.siret, (s.origine = 'referentiel') desc, s.date_debut desc nulls last, s.code_risque;

-- Exposure of each establishment-year from the retained DSN declarations (CSS R130-1 monthly headcounts, hours
-- paid, masse salariale; pipelines/ingest-dsn/README.md):
--   effectif_mois_cumule  Σ of the 12 monthly R130-1 headcounts of the year (untruncated)
--   effectif              effectif_mois_cumule / 12: average over the whole year, months without employees
--                         counting 0 (person-years; not the rating effectif, which skips empty months and truncates)
--   apet_dsn              APET (S21.G00.11.002) of the latest retained declaration of the year
--   bureau                true when every code risque the establishment declared on its contracts during the year
--                         (S21.G00.40.040, table dsn_fait_risque) is an FSNA or bureau code (0000B, 0000A, trailing
--                         B as in 602MDB): a siège or bureau establishment, excluded from the statistics (§12)
create view stat_exposition as
with faits as (
  select extract(year from f.mois)::integer as annee, f.siret, f.siren,
         coalesce(sum(f.effectif), 0) as effectif_mois_cumule,
         sum(f.heures) as heures,
         sum(f.masse_salariale) as masse_salariale,
         (array_agg(d.apet order by d.mois_principal desc nulls last, d.id desc) filter (where d.apet is not null))[1] as apet_dsn
  from dsn_fait_mensuel f
  join dsn_declaration d on d.id = f.declaration_id and d.statut = 'retenue'
  group by extract(year from f.mois)::integer, f.siret, f.siren
), codes as (
  select extract(year from r.mois)::integer as annee, r.siret,
         bool_and(upper(regexp_replace(r.code_risque, '[\s.]', '', 'g')) ~ '^(0000[AB]|\d{3}[A-Z]{2}B)$') as bureau
  from dsn_fait_risque r
  join dsn_declaration d on d.id = r.declaration_id and d.statut = 'retenue'
  group by extract(year from r.mois)::integer, r.siret
)
select f.annee, f.siret, f.siren, f.effectif_mois_cumule, f.effectif_mois_cumule / 12 as effectif,
       f.heures, f.masse_salariale, f.apet_dsn, coalesce(c.bureau, false) as bureau
from faits f
left join codes c on c.annee = f.annee and c.siret = f.siret;

-- Every claim's current version (sinistre.version_courante) with the years it counts in. The CPAM extract does not
-- carry the payment dates, so the year of first settlement (§12: first IJ, IP capital or rente, death capital) is
-- read as the earliest of:
--   annee_it  year of the first day of IT indemnified, the day after the accident (CSS L.433-1), when jours_arret > 0
--   annee_ip  year of the IP notification (date_notification_ip, else annee_ip, else annee_imputation) when
--             taux_ip > 0; it is also the year the claim counts as a new IP
--   the accident year for a death
-- deces_avant_consolidation: a death counts only before consolidation (§12). The extract has no consolidation date;
-- an IP rate is set at consolidation (CSS L.434-2), so a death on a claim with an IP rate notified is read as
-- after consolidation and not counted; a death without IP rate is counted.
-- Temp workers' claims stay with the ETT's establishment (siret), the employer; the user establishment's third
-- is a rating rule (R.242-6-1), not a statistics one. Inopposable claims count (the victim's claim is recognised;
-- inopposability only removes it from the employer's rate); compte spécial MPs are flagged and left out of the
-- tables by stat_sinistralite_etablissement (the compte spécial is the CTN Z of the national statistics).
create view stat_sinistre as
with courante as (
  select v.*,
         case when v.jours_arret > 0 then extract(year from v.date_accident + 1)::integer end as an_it,
         case when v.taux_ip > 0
              then coalesce(extract(year from v.date_notification_ip)::integer, v.annee_ip, v.annee_imputation) end as an_ip
  from sinistre_version v
  join sinistre s on s.sinistre_id = v.sinistre_id and s.version_courante = v.numero
)
select sinistre_id, numero as version, siret, siren, nature, date_accident, coalesce(jours_arret, 0) as jours_arret,
       case when taux_ip > 0 then taux_ip end as taux_ip, deces, inopposable, compte_special,
       an_it as annee_it, an_ip as annee_ip,
       least(an_it, an_ip, case when deces then extract(year from date_accident)::integer end) as annee_premier_reglement,
       (deces and an_ip is null) as deces_avant_consolidation
from courante;

-- Claims figures of each establishment-year, by nature: claims in first settlement that year with their days of
-- IT and deaths before consolidation; new IPs of the year with the sum of their rates. Compte spécial excluded.
create view stat_sinistres_annuels as
with evenements as (
  select siret, siren, nature, annee_premier_reglement as annee, 1 as reglement, jours_arret as jours,
         0 as ip, 0::numeric as taux, case when deces_avant_consolidation then 1 else 0 end as deces
  from stat_sinistre
  where annee_premier_reglement is not null and not compte_special
  union all
  select siret, siren, nature, annee_ip, 0, 0, 1, taux_ip, 0
  from stat_sinistre
  where annee_ip is not null and not compte_special
)
select annee, siret, siren,
       coalesce(sum(reglement) filter (where nature = 'AT'), 0) as at_avec_arret,
       coalesce(sum(jours) filter (where nature = 'AT'), 0) as at_jours_it,
       coalesce(sum(ip) filter (where nature = 'AT'), 0) as at_nouvelles_ip,
       coalesce(sum(taux) filter (where nature = 'AT'), 0) as at_somme_taux_ip,
       coalesce(sum(deces) filter (where nature = 'AT'), 0) as at_deces,
       coalesce(sum(reglement) filter (where nature = 'TRAJET'), 0) as trajet_accidents,
       coalesce(sum(jours) filter (where nature = 'TRAJET'), 0) as trajet_jours_it,
       coalesce(sum(ip) filter (where nature = 'TRAJET'), 0) as trajet_nouvelles_ip,
       coalesce(sum(taux) filter (where nature = 'TRAJET'), 0) as trajet_somme_taux_ip,
       coalesce(sum(deces) filter (where nature = 'TRAJET'), 0) as trajet_deces,
       coalesce(sum(reglement) filter (where nature = 'MP'), 0) as mp_maladies,
       coalesce(sum(jours) filter (where nature = 'MP'), 0) as mp_jours_it,
       coalesce(sum(ip) filter (where nature = 'MP'), 0) as mp_nouvelles_ip,
       coalesce(sum(taux) filter (where nature = 'MP'), 0) as mp_somme_taux_ip,
       coalesce(sum(deces) filter (where nature = 'MP'), 0) as mp_deces
from evenements
group by annee, siret, siren;

-- Figures of each establishment-year in the statistics' scope: an establishment with a section principale (not
-- 00.00A/00.00B), not a bureau that year, with DSN facts or counted claims that year. naf: the DSN APET of the year,
-- else the référentiel's, without dots.
create view stat_sinistralite_etablissement as
with u as (
  select annee, siret, effectif_mois_cumule, heures, masse_salariale, apet_dsn, bureau,
         0::bigint as at_avec_arret, 0::bigint as at_jours_it, 0::bigint as at_nouvelles_ip, 0::numeric as at_somme_taux_ip, 0::bigint as at_deces,
         0::bigint as trajet_accidents, 0::bigint as trajet_jours_it, 0::bigint as trajet_nouvelles_ip, 0::numeric as trajet_somme_taux_ip, 0::bigint as trajet_deces,
         0::bigint as mp_maladies, 0::bigint as mp_jours_it, 0::bigint as mp_nouvelles_ip, 0::numeric as mp_somme_taux_ip, 0::bigint as mp_deces
  from stat_exposition
  union all
  select annee, siret, 0, 0, 0, null, false,
         at_avec_arret, at_jours_it, at_nouvelles_ip, at_somme_taux_ip, at_deces,
         trajet_accidents, trajet_jours_it, trajet_nouvelles_ip, trajet_somme_taux_ip, trajet_deces,
         mp_maladies, mp_jours_it, mp_nouvelles_ip, mp_somme_taux_ip, mp_deces
  from stat_sinistres_annuels
), a as (
  select annee, siret, sum(effectif_mois_cumule) as effectif_mois_cumule, sum(heures) as heures,
         sum(masse_salariale) as masse_salariale, max(apet_dsn) as apet_dsn, bool_or(bureau) as bureau,
         sum(at_avec_arret) as at_avec_arret, sum(at_jours_it) as at_jours_it, sum(at_nouvelles_ip) as at_nouvelles_ip,
         sum(at_somme_taux_ip) as at_somme_taux_ip, sum(at_deces) as at_deces,
         sum(trajet_accidents) as trajet_accidents, sum(trajet_jours_it) as trajet_jours_it,
         sum(trajet_nouvelles_ip) as trajet_nouvelles_ip, sum(trajet_somme_taux_ip) as trajet_somme_taux_ip,
         sum(trajet_deces) as trajet_deces,
         sum(mp_maladies) as mp_maladies, sum(mp_jours_it) as mp_jours_it, sum(mp_nouvelles_ip) as mp_nouvelles_ip,
         sum(mp_somme_taux_ip) as mp_somme_taux_ip, sum(mp_deces) as mp_deces
  from u
  group by annee, siret
)
select a.annee, a.siret, e.siren, e.code_risque, e.ctn, e.libelle,
       nullif(upper(replace(coalesce(a.apet_dsn, e.apet_referentiel), '.', '')), '') as naf,
       a.effectif_mois_cumule, a.effectif_mois_cumule / 12 as effectif, a.heures, a.masse_salariale,
       a.at_avec_arret, a.at_jours_it, a.at_nouvelles_ip, a.at_somme_taux_ip, a.at_deces,
       a.trajet_accidents, a.trajet_jours_it, a.trajet_nouvelles_ip, a.trajet_somme_taux_ip, a.trajet_deces,
       a.mp_maladies, a.mp_jours_it, a.mp_nouvelles_ip, a.mp_somme_taux_ip, a.mp_deces
from a
join stat_etablissement e on e.siret = a.siret
where not a.bureau;

-- Each company's contribution to each cell, for the three breakdowns (par: 'code-risque', 'ctn', 'naf'; cle: the
-- cell's key, '(sans CTN)' for the D.242-6-22 codes, '(non renseigné)' for a missing APET). The secrecy rule reads
-- it (number of companies, largest company's share).
create view stat_contribution_entreprise as
select t.annee, x.par, x.cle, t.siren, count(*) as nb_etablissements,
       sum(t.effectif_mois_cumule) as effectif_mois_cumule, sum(t.heures) as heures, sum(t.masse_salariale) as masse_salariale,
       sum(t.at_avec_arret) as at_avec_arret, sum(t.at_jours_it) as at_jours_it, sum(t.at_nouvelles_ip) as at_nouvelles_ip,
       sum(t.at_somme_taux_ip) as at_somme_taux_ip, sum(t.at_deces) as at_deces,
       sum(t.trajet_accidents) as trajet_accidents, sum(t.trajet_jours_it) as trajet_jours_it,
       sum(t.trajet_nouvelles_ip) as trajet_nouvelles_ip, sum(t.trajet_somme_taux_ip) as trajet_somme_taux_ip,
       sum(t.trajet_deces) as trajet_deces,
       sum(t.mp_maladies) as mp_maladies, sum(t.mp_jours_it) as mp_jours_it, sum(t.mp_nouvelles_ip) as mp_nouvelles_ip,
       sum(t.mp_somme_taux_ip) as mp_somme_taux_ip, sum(t.mp_deces) as mp_deces
from stat_sinistralite_etablissement t
cross join lateral (values ('code-risque', t.code_risque),
                           ('ctn', coalesce(t.ctn, '(sans CTN)')),
                           ('naf', coalesce(t.naf, '(non renseigné)'))) as x (par, cle)
group by t.annee, x.par, x.cle, t.siren;

-- Each cell's totals (NOT protected: publish through `atmp stats sinistralite` or keep to the rows where secret is
-- false) with the secrecy decision of stat_regle_secret: fewer companies than the threshold, or one company's
-- share of effectif, heures or masse salariale above the dominance threshold (shares computed when the cell's
-- total is positive).
create view stat_sinistralite_groupe as
with g as (
  select annee, par, cle, count(*) as nb_entreprises, sum(nb_etablissements) as nb_etablissements,
         sum(effectif_mois_cumule) as effectif_mois_cumule, sum(heures) as heures, sum(masse_salariale) as masse_salariale,
         max(effectif_mois_cumule) as effectif_max_entreprise, max(heures) as heures_max_entreprise,
         max(masse_salariale) as masse_max_entreprise,
         sum(at_avec_arret) as at_avec_arret, sum(at_jours_it) as at_jours_it, sum(at_nouvelles_ip) as at_nouvelles_ip,
         sum(at_somme_taux_ip) as at_somme_taux_ip, sum(at_deces) as at_deces,
         sum(trajet_accidents) as trajet_accidents, sum(trajet_jours_it) as trajet_jours_it,
         sum(trajet_nouvelles_ip) as trajet_nouvelles_ip, sum(trajet_somme_taux_ip) as trajet_somme_taux_ip,
         sum(trajet_deces) as trajet_deces,
         sum(mp_maladies) as mp_maladies, sum(mp_jours_it) as mp_jours_it, sum(mp_nouvelles_ip) as mp_nouvelles_ip,
         sum(mp_somme_taux_ip) as mp_somme_taux_ip, sum(mp_deces) as mp_deces
  from stat_contribution_entreprise
  group by annee, par, cle
), d as (
  select g.*,
         case when effectif_mois_cumule > 0 then effectif_max_entreprise / effectif_mois_cumule end as part_max_effectif,
         case when heures > 0 then heures_max_entreprise / heures end as part_max_heures,
         case when masse_salariale > 0 then masse_max_entreprise / masse_salariale end as part_max_masse,
         r.seuil_entreprises, r.seuil_dominance
  from g cross join stat_regle_secret r
)
select d.*,
       case when nb_entreprises < seuil_entreprises then 'seuil'
            when part_max_effectif > seuil_dominance or part_max_heures > seuil_dominance
              or part_max_masse > seuil_dominance then 'dominance' end as motif_secret,
       (nb_entreprises < seuil_entreprises or coalesce(part_max_effectif > seuil_dominance, false)
         or coalesce(part_max_heures > seuil_dominance, false) or coalesce(part_max_masse > seuil_dominance, false)) as secret
from d;
