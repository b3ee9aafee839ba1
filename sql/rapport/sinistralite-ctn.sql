-- Sinistralité of the campaign's reference years by CTN: rated sections, masse salariale N-4..N-2, valeur du risque
-- of the individually rated sections, average notified rate weighted by masse salariale. The claims charged are
-- counted by rapport.ts through the rules, from rapport/sinistres-ctn.sql. :annee :debut :fin
with t as (
  select * from campagne_taux_courant where annee = :annee and statut = 'calcule'
), m as (
  select f.siret, sum(f.masse_salariale) as masse
  from dsn_fait_retenu f
  where f.mois >= make_date(:debut, 1, 1) and f.mois < make_date(:fin + 1, 1, 1)
  group by f.siret
)
select coalesce(t.ctn, '—') as ctn, count(*)::integer as sections,
       coalesce(sum(m.masse) filter (where t.section = 'principale'), 0)::text as masse_salariale,
       coalesce(sum(t.valeur_du_risque), 0)::text as valeur_du_risque,
       case when sum(m.masse) > 0 then round(sum(t.taux_notifie * m.masse) / sum(m.masse), 2)::text end as taux_moyen_pondere
from t
left join m on m.siret = t.siret
group by coalesce(t.ctn, '—')
order by 1
