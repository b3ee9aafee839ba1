-- Claims that may be charged to the establishments of a batch of companies, whose IT or IP falls in N-4..N-2:
-- facts of view sinistre_impute (which account, intérim side, third party's share, exclusion flags). The shares
-- and exclusions are decided by rules/imputation.ts (CSS D.242-6-4 to -7, R.242-6-1).
-- :sirens text[]   :debut N-4   :fin N-2
select siret, sinistre_id, imputation, nature, annee, categorie_it, annee_ip, categorie_ip, part_tiers, interim,
       procedure_collective, compte_special, inopposable
from sinistre_impute
where siren = any(:sirens)
  and ((categorie_it is not null and annee between :debut and :fin)
    or (categorie_ip is not null and annee_ip between :debut and :fin))
order by siret, sinistre_id, imputation
