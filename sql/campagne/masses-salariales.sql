-- Masse salariale per SIRET and year over N-4..N-2: base 03 of the retained DSN declarations, régularisations
-- included on the months they correct (CSS D.242-6-4; docs/dsn.md).
-- :sirens text[]   :debut first year (N-4)   :fin last year (N-2)
select f.siret, extract(year from f.mois)::integer as annee, sum(f.masse_salariale) as masse_salariale
from dsn_fait_retenu f
where f.siren = any(:sirens)
  and f.mois >= make_date(:debut, 1, 1) and f.mois < make_date(:fin + 1, 1, 1)
group by f.siret, extract(year from f.mois)
