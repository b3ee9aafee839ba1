-- Two questions many queries ask, answered once (docs/architecture.md).

-- The monthly facts that count: those of the retained DSN declarations (statut 'retenue'). A replaced, set aside
-- or ignored declaration keeps its facts in dsn_fait_mensuel (the ledger can switch back) but they leave this
-- view (docs/dsn.md: annule et remplace).
create view dsn_fait_retenu as
select f.*
from dsn_fait_mensuel f
join dsn_declaration d on d.id = f.declaration_id and d.statut = 'retenue';

-- The decision in force of each section of a campaign: the latest decision of each (year, SIRET, code risque).
-- A correction of a frozen rate is a new decision, never an update. siren (fixed by the SIRET) is in the key so
-- that a filter on a batch of companies reaches the table's rows before the choice.
create view campagne_taux_courant as
select distinct on (t.annee, t.siren, t.siret, t.code_risque) t.*
from campagne_taux t
order by t.annee, t.siren, t.siret, t.code_risque, t.decision desc;
