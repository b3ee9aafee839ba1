-- Sinistralité statistics as the Assurance Maladie publishes them (table "Risque AT par CTN et code NAF"), and the
-- national table itself. Definitions, readings and sources: docs/statistiques.md.
--
-- 1. The national tables loaded by `atmp stats reference import` (one year at a time, all or nothing).
-- 2. The regional views of 0006 replaced: days of IT counted in the year they are paid, AT with 4 days or more, IP
--    split below / from 10 %, NAF2 and NAF38 levels and the CTN × NAF5 crossing.

-- One row per national table loaded: where it came from.
create table stat_reference_import (
  annee      integer primary key check (annee between 2000 and 2100),
  fichier    text not null,
  sha256     text not null,
  -- the sheet read (xlsx) or the header's source line (the project's CSV format)
  feuille    text,
  source     text not null,
  lignes     integer not null check (lignes > 0),
  importe_le timestamptz not null default now()
);

-- The national table, one row per CTN × NAF5 as published. The CTN letter is stored single (the file doubles it:
-- AA for A); codes and labels as published ('xxxxx' / 'xx': "Valeur manquante"). Empty cells of the file are 0.
create table stat_reference_nationale (
  annee                   integer not null references stat_reference_import (annee) on delete cascade,
  ctn                     text not null check (ctn ~ '^[A-I]$'),
  libelle_ctn             text not null,
  naf5                    text not null,
  libelle_naf5            text not null,
  naf2                    text not null,
  libelle_naf2            text not null,
  naf38                   text not null,
  libelle_naf38           text not null,
  salaries                numeric not null check (salaries >= 0),
  heures                  numeric not null check (heures >= 0),
  nb_siret                bigint not null check (nb_siret >= 0),
  at_premier_reglement    bigint not null check (at_premier_reglement >= 0),
  at_4j_ou_plus           bigint not null check (at_4j_ou_plus >= 0 and at_4j_ou_plus <= at_premier_reglement),
  nouvelles_ip            bigint not null check (nouvelles_ip >= 0),
  ip_moins_10             bigint not null check (ip_moins_10 >= 0),
  ip_10_ou_plus           bigint not null check (ip_10_ou_plus >= 0),
  deces                   bigint not null check (deces >= 0),
  journees_it             bigint not null check (journees_it >= 0),
  somme_taux_ip_moins_10  numeric not null check (somme_taux_ip_moins_10 >= 0),
  somme_taux_ip           numeric not null check (somme_taux_ip >= somme_taux_ip_moins_10),
  -- the counts by cause, in the file's order: [{"cause": "<published label>", "nombre": "<integer>"}, …]
  causes                  jsonb not null,
  -- "fait l'objet d'une fiche de sinistralité" (the file's last column, "ok" or empty)
  fiche_sinistralite      boolean not null default false,
  primary key (annee, ctn, naf5),
  check (ip_moins_10 + ip_10_ou_plus = nouvelles_ip)
);

-- The national cells with the keys of the regional levels: missing NAF ("Valeur manquante", xxxxx / xx) read as
-- '(non renseigné)', the regional key of an establishment without APET.
create view stat_reference_cellule as
select r.*,
       case when r.naf5 ~ '^x+$' then '(non renseigné)' else r.naf5 end as cle_naf5,
       case when r.naf2 ~ '^x+$' then '(non renseigné)' else r.naf2 end as cle_naf2,
       case when r.naf38 ~ '^x+$' then '(non renseigné)' else r.naf38 end as cle_naf38
from stat_reference_nationale r;

-- The NAF nomenclature (NAF5 → NAF2 → NAF38 with labels) as the latest loaded national table gives it.
create view stat_naf as
select distinct on (cle_naf5) cle_naf5 as naf5, libelle_naf5, cle_naf2 as naf2, libelle_naf2, cle_naf38 as naf38,
       libelle_naf38, annee
from stat_reference_cellule
order by cle_naf5, annee desc;

-- The national figures of each cell of each level (par: 'ctn', 'naf5', 'naf2', 'naf38', 'ctn-naf'; the national
-- table has no code risque). cle as in the regional views ('A', '2451Z', '24', 'CZ', 'A/2451Z').
create view stat_reference_niveau as
select r.annee, x.par, x.cle,
       sum(r.salaries) as salaries, sum(r.heures) as heures, sum(r.nb_siret) as nb_siret,
       sum(r.at_premier_reglement) as at_premier_reglement, sum(r.at_4j_ou_plus) as at_4j_ou_plus,
       sum(r.nouvelles_ip) as nouvelles_ip, sum(r.ip_moins_10) as ip_moins_10, sum(r.ip_10_ou_plus) as ip_10_ou_plus,
       sum(r.deces) as deces, sum(r.journees_it) as journees_it,
       sum(r.somme_taux_ip_moins_10) as somme_taux_ip_moins_10, sum(r.somme_taux_ip) as somme_taux_ip
from stat_reference_cellule r
cross join lateral (values ('ctn', r.ctn), ('naf5', r.cle_naf5), ('naf2', r.cle_naf2), ('naf38', r.cle_naf38),
                           ('ctn-naf', r.ctn || '/' || r.cle_naf5)) as x (par, cle)
group by r.annee, x.par, x.cle;

-- The regional views of 0006 are replaced (their columns change).
drop view stat_sinistralite_groupe;
drop view stat_contribution_entreprise;
drop view stat_sinistralite_etablissement;
drop view stat_sinistres_annuels;
drop view stat_sinistre;

-- Every claim's current version with the years it counts in (readings of 0006 kept: the CPAM extract has no
-- payment dates). annee_premier_reglement: the earliest of the first day of IT indemnified (the day after the
-- accident, CSS L.433-1) when jours_arret > 0, the IP notification year when taux_ip > 0, the accident year for a
-- death. The arrêt is read as one continuous period from the day after the accident (jours_arret calendar days):
-- jours_annee_premier_reglement is the part of it in the first-settlement year (AT "avec 4 jours d'arrêt ou plus
-- sur l'année" when >= 4).
create view stat_sinistre as
with courante as (
  select v.*,
         case when v.jours_arret > 0 then v.date_accident + 1 end as debut_it,
         case when v.jours_arret > 0 then v.date_accident + v.jours_arret end as fin_it,
         case when v.taux_ip > 0
              then coalesce(extract(year from v.date_notification_ip)::integer, v.annee_ip, v.annee_imputation) end as an_ip
  from sinistre_version v
  join sinistre s on s.sinistre_id = v.sinistre_id and s.version_courante = v.numero
), annees as (
  select c.*, extract(year from c.debut_it)::integer as an_it,
         least(extract(year from c.debut_it)::integer, an_ip,
               case when c.deces then extract(year from c.date_accident)::integer end) as an_reglement
  from courante c
)
select sinistre_id, numero as version, siret, siren, nature, date_accident, coalesce(jours_arret, 0) as jours_arret,
       case when taux_ip > 0 then taux_ip end as taux_ip, deces, inopposable, compte_special,
       debut_it, fin_it, an_it as annee_it, an_ip as annee_ip, an_reglement as annee_premier_reglement,
       case when debut_it is null or an_reglement is null then 0
            else greatest(0, least(fin_it, make_date(an_reglement, 12, 31)) - greatest(debut_it, make_date(an_reglement, 1, 1)) + 1)
       end as jours_annee_premier_reglement,
       (deces and an_ip is null) as deces_avant_consolidation
from annees;

-- Days of IT of each claim per calendar year: the days of its arrêt period (from the day after the accident,
-- jours_arret days) falling in that year — the days paid that year (docs/statistiques.md: reading).
create view stat_sinistre_it_annuel as
select s.sinistre_id, s.siret, s.siren, s.nature, s.compte_special, y.annee,
       least(s.fin_it, make_date(y.annee, 12, 31)) - greatest(s.debut_it, make_date(y.annee, 1, 1)) + 1 as jours
from stat_sinistre s
cross join lateral generate_series(extract(year from s.debut_it)::integer, extract(year from s.fin_it)::integer) as y (annee)
where s.debut_it is not null;

-- Claims figures of each establishment-year, by nature (compte spécial excluded):
--   reglement: claims in first settlement that year; at_4j: those with >= 4 days of arrêt in that year;
--   jours: days of IT paid that year, whatever the claim's first-settlement year;
--   ip: new IPs notified that year with their rate, split below / from 10 %; deces: deaths before consolidation.
--   taux: the sum of the rates counts each death before consolidation as an IP of 99 %, as the national table does
--   (its somme des taux d'IP exceeds its IP rates by 99 × décès: docs/statistiques.md).
create view stat_sinistres_annuels as
with evenements as (
  select siret, siren, nature, annee_premier_reglement as annee, 1 as reglement,
         case when jours_annee_premier_reglement >= 4 then 1 else 0 end as j4, 0 as jours,
         0 as ip, 0 as ip10, case when deces_avant_consolidation then 99 else 0 end::numeric as taux, 0::numeric as taux10,
         case when deces_avant_consolidation then 1 else 0 end as deces
  from stat_sinistre
  where annee_premier_reglement is not null and not compte_special
  union all
  select siret, siren, nature, annee, 0, 0, jours, 0, 0, 0, 0, 0
  from stat_sinistre_it_annuel
  where not compte_special
  union all
  select siret, siren, nature, annee_ip, 0, 0, 0, 1, case when taux_ip < 10 then 1 else 0 end,
         taux_ip, case when taux_ip < 10 then taux_ip else 0 end, 0
  from stat_sinistre
  where annee_ip is not null and not compte_special
)
select annee, siret, siren,
       coalesce(sum(reglement) filter (where nature = 'AT'), 0) as at_avec_arret,
       coalesce(sum(j4) filter (where nature = 'AT'), 0) as at_4j_ou_plus,
       coalesce(sum(jours) filter (where nature = 'AT'), 0) as at_jours_it,
       coalesce(sum(ip) filter (where nature = 'AT'), 0) as at_nouvelles_ip,
       coalesce(sum(ip10) filter (where nature = 'AT'), 0) as at_ip_moins_10,
       coalesce(sum(taux) filter (where nature = 'AT'), 0) as at_somme_taux_ip,
       coalesce(sum(taux10) filter (where nature = 'AT'), 0) as at_somme_taux_ip_moins_10,
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

-- Figures of each establishment-year in scope (as in 0006: section principale not 00.00A/00.00B, not a bureau that
-- year, with DSN facts or counted claims that year). naf: the DSN APET of the year, else the référentiel's, without
-- dots; naf2 / naf38 from the national table's nomenclature (stat_naf), naf2 falling back to the code's first two
-- digits, naf38 to '(non classé)' when the nomenclature does not know the code.
create view stat_sinistralite_etablissement as
with u as (
  select annee, siret, effectif_mois_cumule, heures, masse_salariale, apet_dsn, bureau,
         0::bigint as at_avec_arret, 0::bigint as at_4j_ou_plus, 0::bigint as at_jours_it, 0::bigint as at_nouvelles_ip,
         0::bigint as at_ip_moins_10, 0::numeric as at_somme_taux_ip, 0::numeric as at_somme_taux_ip_moins_10, 0::bigint as at_deces,
         0::bigint as trajet_accidents, 0::bigint as trajet_jours_it, 0::bigint as trajet_nouvelles_ip, 0::numeric as trajet_somme_taux_ip, 0::bigint as trajet_deces,
         0::bigint as mp_maladies, 0::bigint as mp_jours_it, 0::bigint as mp_nouvelles_ip, 0::numeric as mp_somme_taux_ip, 0::bigint as mp_deces
  from stat_exposition
  union all
  select annee, siret, 0, 0, 0, null, false,
         at_avec_arret, at_4j_ou_plus, at_jours_it, at_nouvelles_ip, at_ip_moins_10, at_somme_taux_ip, at_somme_taux_ip_moins_10, at_deces,
         trajet_accidents, trajet_jours_it, trajet_nouvelles_ip, trajet_somme_taux_ip, trajet_deces,
         mp_maladies, mp_jours_it, mp_nouvelles_ip, mp_somme_taux_ip, mp_deces
  from stat_sinistres_annuels
), a as (
  select annee, siret, sum(effectif_mois_cumule) as effectif_mois_cumule, sum(heures) as heures,
         sum(masse_salariale) as masse_salariale, max(apet_dsn) as apet_dsn, bool_or(bureau) as bureau,
         sum(at_avec_arret) as at_avec_arret, sum(at_4j_ou_plus) as at_4j_ou_plus, sum(at_jours_it) as at_jours_it,
         sum(at_nouvelles_ip) as at_nouvelles_ip, sum(at_ip_moins_10) as at_ip_moins_10,
         sum(at_somme_taux_ip) as at_somme_taux_ip, sum(at_somme_taux_ip_moins_10) as at_somme_taux_ip_moins_10,
         sum(at_deces) as at_deces,
         sum(trajet_accidents) as trajet_accidents, sum(trajet_jours_it) as trajet_jours_it,
         sum(trajet_nouvelles_ip) as trajet_nouvelles_ip, sum(trajet_somme_taux_ip) as trajet_somme_taux_ip,
         sum(trajet_deces) as trajet_deces,
         sum(mp_maladies) as mp_maladies, sum(mp_jours_it) as mp_jours_it, sum(mp_nouvelles_ip) as mp_nouvelles_ip,
         sum(mp_somme_taux_ip) as mp_somme_taux_ip, sum(mp_deces) as mp_deces
  from u
  group by annee, siret
), n as (
  select a.*, e.siren, e.code_risque, e.ctn, e.libelle,
         nullif(upper(replace(coalesce(a.apet_dsn, e.apet_referentiel), '.', '')), '') as naf
  from a
  join stat_etablissement e on e.siret = a.siret
  where not a.bureau
)
select n.annee, n.siret, n.siren, n.code_risque, n.ctn, n.libelle, n.naf,
       case when n.naf is null then null else coalesce(m.naf2, case when n.naf ~ '^\d{2}' then left(n.naf, 2) end, '(non classé)') end as naf2,
       case when n.naf is null then null else coalesce(m.naf38, '(non classé)') end as naf38,
       n.effectif_mois_cumule, n.effectif_mois_cumule / 12 as effectif, n.heures, n.masse_salariale,
       n.at_avec_arret, n.at_4j_ou_plus, n.at_jours_it, n.at_nouvelles_ip, n.at_ip_moins_10,
       n.at_somme_taux_ip, n.at_somme_taux_ip_moins_10, n.at_deces,
       n.trajet_accidents, n.trajet_jours_it, n.trajet_nouvelles_ip, n.trajet_somme_taux_ip, n.trajet_deces,
       n.mp_maladies, n.mp_jours_it, n.mp_nouvelles_ip, n.mp_somme_taux_ip, n.mp_deces
from n
left join stat_naf m on m.naf5 = n.naf;

-- Each company's contribution to each cell of each level (par: 'code-risque', 'ctn', 'naf5', 'naf2', 'naf38',
-- 'ctn-naf'; cle: the cell's key — '(sans CTN)' for the D.242-6-22 codes, '(non renseigné)' without APET,
-- 'A/2451Z' for the crossing). The secrecy rule reads it.
create view stat_contribution_entreprise as
select t.annee, x.par, x.cle, t.siren, count(*) as nb_etablissements,
       sum(t.effectif_mois_cumule) as effectif_mois_cumule, sum(t.heures) as heures, sum(t.masse_salariale) as masse_salariale,
       sum(t.at_avec_arret) as at_avec_arret, sum(t.at_4j_ou_plus) as at_4j_ou_plus, sum(t.at_jours_it) as at_jours_it,
       sum(t.at_nouvelles_ip) as at_nouvelles_ip, sum(t.at_ip_moins_10) as at_ip_moins_10,
       sum(t.at_somme_taux_ip) as at_somme_taux_ip, sum(t.at_somme_taux_ip_moins_10) as at_somme_taux_ip_moins_10,
       sum(t.at_deces) as at_deces,
       sum(t.trajet_accidents) as trajet_accidents, sum(t.trajet_jours_it) as trajet_jours_it,
       sum(t.trajet_nouvelles_ip) as trajet_nouvelles_ip, sum(t.trajet_somme_taux_ip) as trajet_somme_taux_ip,
       sum(t.trajet_deces) as trajet_deces,
       sum(t.mp_maladies) as mp_maladies, sum(t.mp_jours_it) as mp_jours_it, sum(t.mp_nouvelles_ip) as mp_nouvelles_ip,
       sum(t.mp_somme_taux_ip) as mp_somme_taux_ip, sum(t.mp_deces) as mp_deces
from stat_sinistralite_etablissement t
cross join lateral (values ('code-risque', t.code_risque),
                           ('ctn', coalesce(t.ctn, '(sans CTN)')),
                           ('naf5', coalesce(t.naf, '(non renseigné)')),
                           ('naf2', coalesce(t.naf2, '(non renseigné)')),
                           ('naf38', coalesce(t.naf38, '(non renseigné)')),
                           ('ctn-naf', coalesce(t.ctn, '(sans CTN)') || '/' || coalesce(t.naf, '(non renseigné)'))) as x (par, cle)
group by t.annee, x.par, x.cle, t.siren;

-- Each cell's totals (NOT protected: publish through `atmp stats sinistralite`, or keep to the rows where secret is
-- false, and mind the secondary secrecy of docs/statistiques.md) with the primary secrecy decision of
-- stat_regle_secret, as in 0006.
create view stat_sinistralite_groupe as
with g as (
  select annee, par, cle, count(*) as nb_entreprises, sum(nb_etablissements) as nb_etablissements,
         sum(effectif_mois_cumule) as effectif_mois_cumule, sum(heures) as heures, sum(masse_salariale) as masse_salariale,
         max(effectif_mois_cumule) as effectif_max_entreprise, max(heures) as heures_max_entreprise,
         max(masse_salariale) as masse_max_entreprise,
         sum(at_avec_arret) as at_avec_arret, sum(at_4j_ou_plus) as at_4j_ou_plus, sum(at_jours_it) as at_jours_it,
         sum(at_nouvelles_ip) as at_nouvelles_ip, sum(at_ip_moins_10) as at_ip_moins_10,
         sum(at_somme_taux_ip) as at_somme_taux_ip, sum(at_somme_taux_ip_moins_10) as at_somme_taux_ip_moins_10,
         sum(at_deces) as at_deces,
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
