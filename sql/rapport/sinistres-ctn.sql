-- Facts of the claims whose IT or IP falls in N-4..N-2, on the main sections rated by the campaign, grouped by CTN
-- and by everything the rules decide on (account, intérim side, flags, categories, years, third party's share), with
-- their number. rapport.ts counts the charged ones through rules/imputation.ts. :annee :debut :fin
with t as (
  select siret, ctn, section from campagne_taux_courant where annee = :annee and statut = 'calcule'
)
select coalesce(t.ctn, '—') as ctn, s.imputation, s.nature, s.annee, s.categorie_it, s.annee_ip, s.categorie_ip,
       s.part_tiers::text as part_tiers, s.interim, s.procedure_collective, s.compte_special, s.inopposable,
       count(*)::integer as n
from sinistre_impute s
join t on t.siret = s.siret and t.section = 'principale'
where (s.categorie_it is not null and s.annee between :debut and :fin)
   or (s.categorie_ip is not null and s.annee_ip between :debut and :fin)
group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
