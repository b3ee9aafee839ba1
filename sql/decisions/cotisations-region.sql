-- AT/MP contributions of the region for rate year N, the base of the ristournes budget (arrêté du 9 décembre 2010
-- art. 7): per SIRET, the masse salariale of the last known year N-2 (retained DSN declarations) × the rate notified
-- by the validated campaign N to its main section (latest decision), / 100. Estimate: docs/decisions.md.
-- :annee N
with masses as (
  select f.siret, sum(f.masse_salariale) as masse
  from dsn_fait_mensuel f
  join dsn_declaration d on d.id = f.declaration_id and d.statut = 'retenue'
  where f.mois >= make_date(:annee - 2, 1, 1) and f.mois < make_date(:annee - 1, 1, 1)
  group by f.siret
), taux as (
  select distinct on (t.siret) t.siret, t.taux_notifie
  from campagne_taux t join campagne c on c.annee = t.annee and c.statut = 'validee'
  where t.annee = :annee and t.statut = 'calcule' and t.notifie
  order by t.siret, (t.section = 'principale') desc, t.decision desc, t.taux_notifie desc
)
select coalesce(sum(m.masse * t.taux_notifie / 100), 0) as cotisations, count(*)::int as etablissements
from taux t join masses m on m.siret = t.siret
