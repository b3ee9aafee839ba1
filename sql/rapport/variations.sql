-- Histogram of the variation of the notified rate against the previous one, in quarter points from -2 to +2
-- (the outer bins gather everything beyond). :annee
with t as (
  select taux_notifie - taux_precedent as v
  from campagne_taux_courant
  where annee = :annee and statut = 'calcule' and notifie and taux_precedent is not null
)
select greatest(-8, least(8, floor(v / 0.25)::integer)) as classe, count(*)::integer as n
from t group by 1 order by 1
