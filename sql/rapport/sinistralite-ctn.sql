-- Sinistralité of the campaign's reference years by CTN: rated sections, masse salariale N-4..N-2, valeur du risque
-- of the individually rated sections, average notified rate weighted by masse salariale. The claims charged are
-- counted by rapport.ts through the rules, from rapport/sinistres-ctn.sql. :annee :debut :fin
with t as (
  select distinct on (siret, code_risque) * from campagne_taux
  where annee = :annee and statut = 'calcule' order by siret, code_risque, decision desc
), m as (
  select f.siret, sum(f.masse_salariale) as masse
  from dsn_fait_mensuel f join dsn_declaration d on d.id = f.declaration_id and d.statut = 'retenue'
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
