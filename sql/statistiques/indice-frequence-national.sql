-- The national indice de fréquence of each CTN (AT en 1er règlement × 1 000 / salariés, 2 decimals) of a loaded
-- national table. :annee year of the national table
select ctn, min(libelle_ctn) as libelle_ctn,
       case when sum(salaries) > 0 then round(sum(at_premier_reglement) * 1000 / sum(salaries), 2) end as indice_frequence
from stat_reference_nationale
where annee = :annee
group by ctn
order by ctn
