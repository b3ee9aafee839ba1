-- Sinistralité of the campaign's reference years by CTN: rated sections, masse salariale N-4..N-2, claims charged
-- (IT and IP categories, from sinistre_impute), valeur du risque of the individually rated sections, average
-- notified rate weighted by masse salariale. :annee :debut :fin
with t as (
  select * from campagne_taux_courant where annee = :annee and statut = 'calcule'
), m as (
  select f.siret, sum(f.masse_salariale) as masse
  from dsn_fait_retenu f
  where f.mois >= make_date(:debut, 1, 1) and f.mois < make_date(:fin + 1, 1, 1)
  group by f.siret
), s as (
  select siret, count(*) filter (where categorie_it is not null and annee between :debut and :fin) as it,
         count(*) filter (where categorie_ip is not null and annee_ip between :debut and :fin) as ip
  from sinistre_impute group by siret
)
select coalesce(t.ctn, '—') as ctn, count(*)::integer as sections,
       coalesce(sum(m.masse) filter (where t.section = 'principale'), 0)::text as masse_salariale,
       coalesce(sum(s.it) filter (where t.section = 'principale'), 0)::integer as sinistres_it,
       coalesce(sum(s.ip) filter (where t.section = 'principale'), 0)::integer as sinistres_ip,
       coalesce(sum(t.valeur_du_risque), 0)::text as valeur_du_risque,
       case when sum(m.masse) > 0 then round(sum(t.taux_notifie * m.masse) / sum(m.masse), 2)::text end as taux_moyen_pondere
from t
left join m on m.siret = t.siret
left join s on s.siret = t.siret
group by coalesce(t.ctn, '—')
order by 1
