-- Rate notified for N-1 per SIRET and code risque: the validated campaign N-1 when atmp computed it (latest
-- decision), else the history imported with the référentiel.
-- :sirens text[]   :annee N-1
select distinct on (siret, code_risque) siret, code_risque, taux
from (
  select t.siret, t.code_risque, t.taux_notifie as taux, 0 as priorite
  from campagne_taux_courant t join campagne c on c.annee = t.annee and c.statut = 'validee'
  where t.annee = :annee and t.siren = any(:sirens) and t.statut = 'calcule' and t.notifie
  union all
  select n.siret, n.code_risque, n.taux, 1
  from taux_notifie n
  where n.annee = :annee and n.siren = any(:sirens)
) x
order by siret, code_risque, priorite
