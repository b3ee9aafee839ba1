-- The published sinistralité table of one year and one breakdown, one row per cell, in key order (byte order, the
-- same on every backend). A cell under statistical secrecy keeps its key and label with secret = true and its
-- motif; every figure is emptied. Indicators (docs/tarification-atmp.md §12), on AT only, rounded half away from
-- zero to 2 decimals, empty when their denominator is zero:
--   indice_frequence = AT with arrêt × 1 000 / effectif        (effectif = Σ monthly R130-1 headcounts / 12)
--   taux_frequence   = AT with arrêt × 1 000 000 / hours worked
--   taux_gravite     = days of IT × 1 000 / hours worked
--   indice_gravite   = Σ rates of the new IPs × 1 000 000 / hours worked
-- Views: sql/migrations/0006_statistiques.sql. A statistician can run it with psql after replacing the parameters.
-- :annee year of the statistics   :par 'code-risque' | 'ctn' | 'naf'
select g.cle,
       case g.par when 'code-risque' then c.libelle when 'ctn' then k.libelle end as libelle,
       case when g.par = 'code-risque' then c.ctn end as ctn,
       g.secret, g.motif_secret,
       case when not g.secret then g.nb_etablissements end as nb_etablissements,
       case when not g.secret then g.nb_entreprises end as nb_entreprises,
       case when not g.secret then round(g.effectif_mois_cumule / 12, 2) end as effectif,
       case when not g.secret then g.heures end as heures,
       case when not g.secret then g.masse_salariale end as masse_salariale,
       case when not g.secret then g.at_avec_arret end as at_avec_arret,
       case when not g.secret then g.at_jours_it end as at_jours_it,
       case when not g.secret then g.at_nouvelles_ip end as at_nouvelles_ip,
       case when not g.secret then g.at_somme_taux_ip end as at_somme_taux_ip,
       case when not g.secret then g.at_deces end as at_deces,
       case when not g.secret then g.trajet_accidents end as trajet_accidents,
       case when not g.secret then g.trajet_jours_it end as trajet_jours_it,
       case when not g.secret then g.trajet_nouvelles_ip end as trajet_nouvelles_ip,
       case when not g.secret then g.trajet_somme_taux_ip end as trajet_somme_taux_ip,
       case when not g.secret then g.trajet_deces end as trajet_deces,
       case when not g.secret then g.mp_maladies end as mp_maladies,
       case when not g.secret then g.mp_jours_it end as mp_jours_it,
       case when not g.secret then g.mp_nouvelles_ip end as mp_nouvelles_ip,
       case when not g.secret then g.mp_somme_taux_ip end as mp_somme_taux_ip,
       case when not g.secret then g.mp_deces end as mp_deces,
       case when not g.secret and g.effectif_mois_cumule > 0
            then round(g.at_avec_arret * 1000 * 12 / g.effectif_mois_cumule, 2) end as indice_frequence,
       case when not g.secret and g.heures > 0 then round(g.at_avec_arret * 1000000 / g.heures, 2) end as taux_frequence,
       case when not g.secret and g.heures > 0 then round(g.at_jours_it * 1000 / g.heures, 2) end as taux_gravite,
       case when not g.secret and g.heures > 0 then round(g.at_somme_taux_ip * 1000000 / g.heures, 2) end as indice_gravite
from stat_sinistralite_groupe g
left join code_risque c on g.par = 'code-risque' and c.code_risque = g.cle
left join stat_ctn k on g.par = 'ctn' and k.ctn = g.cle
where g.annee = :annee and g.par = :par
order by g.cle collate "C"
