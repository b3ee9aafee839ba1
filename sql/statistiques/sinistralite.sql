-- The published sinistralité table of one year and one level, one row per cell, in key order (byte order, the same
-- on every backend), with the national figures of the same cell and the ratio of each indicator to the nation's.
-- A cell under statistical secrecy (primary: stat_sinistralite_groupe.secret; secondary: its key in :secondaires)
-- keeps its keys and labels with secret = true and its motif; every regional figure and every ratio is emptied (the
-- national figures, public, stay). Indicators (docs/statistiques.md), on AT only, rounded half away from zero to 2
-- decimals, empty when their denominator is zero:
--   indice_frequence = AT × 1 000 / effectif (salariés)      taux_frequence = AT × 1 000 000 / heures
--   taux_gravite     = journées d'IT × 1 000 / heures         indice_gravite = Σ taux d'IP × 1 000 000 / heures
-- Views: sql/migrations/0011_statistiques_nationales.sql. A statistician can run it with psql after replacing the
-- parameters.
-- :annee year of the statistics   :par 'code-risque' | 'ctn' | 'naf5' | 'naf2' | 'naf38' | 'ctn-naf'
-- :annee_ref year of the national table compared (null: none)   :secondaires keys withheld by secondary secrecy
with g as (
  select g.*, (g.secret or g.cle = any(:secondaires)) as cache,
         coalesce(g.motif_secret, case when g.cle = any(:secondaires) then 'secondaire' end) as motif
  from stat_sinistralite_groupe g
  where g.annee = :annee and g.par = :par
), k as (
  select g.*,
         case g.par when 'ctn' then g.cle when 'ctn-naf' then split_part(g.cle, '/', 1)
                    when 'code-risque' then coalesce(c.ctn, '(sans CTN)') end as k_ctn,
         case g.par when 'naf5' then g.cle when 'ctn-naf' then split_part(g.cle, '/', 2) end as k_naf5,
         case g.par when 'code-risque' then c.libelle end as libelle_code_risque
  from g
  left join code_risque c on g.par = 'code-risque' and c.code_risque = g.cle
), l as (
  -- NAF2 / NAF38 of a code the nomenclature does not know: as stat_sinistralite_etablissement classifies it
  select k.*, coalesce(n5.naf2, case when k.par = 'naf2' then k.cle end,
                       case when k.k_naf5 = '(non renseigné)' then k.k_naf5 when k.k_naf5 ~ '^\d{2}' then left(k.k_naf5, 2)
                            when k.k_naf5 is not null then '(non classé)' end) as k_naf2,
         n5.libelle_naf5
  from k
  left join stat_naf n5 on n5.naf5 = k.k_naf5
), m as (
  select l.*, n2.libelle_naf2,
         coalesce(n2.naf38, case when l.par = 'naf38' then l.cle end,
                  case when l.k_naf2 = '(non renseigné)' then l.k_naf2 when l.k_naf2 is not null then '(non classé)' end) as k_naf38
  from l
  left join (select distinct on (naf2) naf2, libelle_naf2, naf38 from stat_naf order by naf2, annee desc) n2 on n2.naf2 = l.k_naf2
), t as (
  select m.*, n38.libelle_naf38, coalesce(rc.libelle_ctn, sc.libelle) as libelle_ctn, nat.annee as nat_annee,
         nat.salaries as nat_salaries, nat.heures as nat_heures, nat.nb_siret as nat_nb_siret,
         nat.at_premier_reglement as nat_at, nat.at_4j_ou_plus as nat_at_4j_ou_plus, nat.nouvelles_ip as nat_nouvelles_ip,
         nat.ip_moins_10 as nat_ip_moins_10, nat.ip_10_ou_plus as nat_ip_10_ou_plus, nat.deces as nat_deces,
         nat.journees_it as nat_journees_it, nat.somme_taux_ip_moins_10 as nat_somme_taux_ip_moins_10,
         nat.somme_taux_ip as nat_somme_taux_ip
  from m
  left join (select distinct on (naf38) naf38, libelle_naf38 from stat_naf order by naf38, annee desc) n38 on n38.naf38 = m.k_naf38
  left join stat_ctn sc on sc.ctn = m.k_ctn
  left join (select distinct ctn, libelle_ctn from stat_reference_nationale where annee = :annee_ref) rc on rc.ctn = m.k_ctn
  left join stat_reference_niveau nat on nat.annee = :annee_ref and nat.par = m.par and nat.cle = m.cle
)
select t.cle, t.libelle_code_risque as libelle, t.k_ctn as ctn, t.libelle_ctn, t.k_naf5 as naf5, t.libelle_naf5,
       t.k_naf2 as naf2, t.libelle_naf2, t.k_naf38 as naf38, t.libelle_naf38,
       t.cache as secret, t.motif as motif_secret,
       case when not t.cache then t.nb_etablissements end as nb_etablissements,
       case when not t.cache then t.nb_entreprises end as nb_entreprises,
       case when not t.cache then round(t.effectif_mois_cumule / 12, 2) end as effectif,
       case when not t.cache then t.heures end as heures,
       case when not t.cache then t.masse_salariale end as masse_salariale,
       case when not t.cache then t.at_avec_arret end as at_avec_arret,
       case when not t.cache then t.at_4j_ou_plus end as at_4j_ou_plus,
       case when not t.cache then t.at_jours_it end as at_jours_it,
       case when not t.cache then t.at_nouvelles_ip end as at_nouvelles_ip,
       case when not t.cache then t.at_ip_moins_10 end as at_ip_moins_10,
       case when not t.cache then t.at_nouvelles_ip - t.at_ip_moins_10 end as at_ip_10_ou_plus,
       case when not t.cache then t.at_somme_taux_ip_moins_10 end as at_somme_taux_ip_moins_10,
       case when not t.cache then t.at_somme_taux_ip end as at_somme_taux_ip,
       case when not t.cache then t.at_deces end as at_deces,
       case when not t.cache then t.trajet_accidents end as trajet_accidents,
       case when not t.cache then t.trajet_jours_it end as trajet_jours_it,
       case when not t.cache then t.trajet_nouvelles_ip end as trajet_nouvelles_ip,
       case when not t.cache then t.trajet_somme_taux_ip end as trajet_somme_taux_ip,
       case when not t.cache then t.trajet_deces end as trajet_deces,
       case when not t.cache then t.mp_maladies end as mp_maladies,
       case when not t.cache then t.mp_jours_it end as mp_jours_it,
       case when not t.cache then t.mp_nouvelles_ip end as mp_nouvelles_ip,
       case when not t.cache then t.mp_somme_taux_ip end as mp_somme_taux_ip,
       case when not t.cache then t.mp_deces end as mp_deces,
       case when not t.cache and t.effectif_mois_cumule > 0
            then round(t.at_avec_arret * 1000 * 12 / t.effectif_mois_cumule, 2) end as indice_frequence,
       case when not t.cache and t.heures > 0 then round(t.at_avec_arret * 1000000 / t.heures, 2) end as taux_frequence,
       case when not t.cache and t.heures > 0 then round(t.at_jours_it * 1000 / t.heures, 2) end as taux_gravite,
       case when not t.cache and t.heures > 0 then round(t.at_somme_taux_ip * 1000000 / t.heures, 2) end as indice_gravite,
       t.nat_annee, t.nat_salaries, t.nat_heures, t.nat_nb_siret, t.nat_at, t.nat_at_4j_ou_plus, t.nat_nouvelles_ip,
       t.nat_ip_moins_10, t.nat_ip_10_ou_plus, t.nat_deces, t.nat_journees_it, t.nat_somme_taux_ip_moins_10,
       t.nat_somme_taux_ip,
       case when t.nat_salaries > 0 then round(t.nat_at * 1000 / t.nat_salaries, 2) end as nat_indice_frequence,
       case when t.nat_heures > 0 then round(t.nat_at * 1000000 / t.nat_heures, 2) end as nat_taux_frequence,
       case when t.nat_heures > 0 then round(t.nat_journees_it * 1000 / t.nat_heures, 2) end as nat_taux_gravite,
       case when t.nat_heures > 0 then round(t.nat_somme_taux_ip * 1000000 / t.nat_heures, 2) end as nat_indice_gravite,
       -- ratios of the unrounded indicators: (regional numerator / denominator) / (national numerator / denominator)
       case when not t.cache and t.effectif_mois_cumule > 0 and t.nat_at > 0 and t.nat_salaries > 0
            then round(t.at_avec_arret * 12 * t.nat_salaries / (t.effectif_mois_cumule * t.nat_at), 2) end as ratio_indice_frequence,
       case when not t.cache and t.heures > 0 and t.nat_at > 0 and t.nat_heures > 0
            then round(t.at_avec_arret * t.nat_heures / (t.heures * t.nat_at), 2) end as ratio_taux_frequence,
       case when not t.cache and t.heures > 0 and t.nat_journees_it > 0 and t.nat_heures > 0
            then round(t.at_jours_it * t.nat_heures / (t.heures * t.nat_journees_it), 2) end as ratio_taux_gravite,
       case when not t.cache and t.heures > 0 and t.nat_somme_taux_ip > 0 and t.nat_heures > 0
            then round(t.at_somme_taux_ip * t.nat_heures / (t.heures * t.nat_somme_taux_ip), 2) end as ratio_indice_gravite
from t
order by t.cle collate "C"
