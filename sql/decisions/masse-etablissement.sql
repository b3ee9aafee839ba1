-- Masse salariale of one SIRET in the last known year N-2 (retained DSN declarations): the yearly payroll the
-- cost of a ristourne is estimated on. :siret  :annee N
select coalesce(sum(f.masse_salariale), 0) as masse
from dsn_fait_mensuel f
join dsn_declaration d on d.id = f.declaration_id and d.statut = 'retenue'
where f.siret = :siret and f.mois >= make_date(:annee - 2, 1, 1) and f.mois < make_date(:annee - 1, 1, 1)
