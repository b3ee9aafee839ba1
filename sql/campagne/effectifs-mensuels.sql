-- Monthly headcount of each company (SIREN) in the reference year N-2: sum over all its establishments of the
-- R130-1 monthly values of the retained declarations. The rule (rules/effectif.ts) averages the months with
-- employees and truncates (`atmp etablissement SIRET` shows the same figure per year).
-- :sirens text[]   :annee reference year (N-2)
select f.siren, extract(month from f.mois)::integer as mois, sum(f.effectif) as effectif
from dsn_fait_retenu f
where f.siren = any(:sirens)
  and f.effectif is not null
  and f.mois >= make_date(:annee, 1, 1) and f.mois < make_date(:annee + 1, 1, 1)
group by f.siren, extract(month from f.mois)
