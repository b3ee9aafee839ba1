-- The cells of one level with the lines they are published with, for secondary secrecy
-- (pipelines/statistiques/secret-secondaire.ts): each cell's primary secrecy and cost (its effectif), and for each
-- line the cell adds up into — its CTN (code risque, crossing), its NAF2 (NAF5), its NAF38 (NAF2), its NAF5
-- (crossing) — whether that line's own table withholds it. A cell lying in several lines of one dimension (a NAF2
-- some of whose codes the nomenclature does not classify) takes the first.
-- :annee year   :par 'code-risque' | 'naf5' | 'naf2' | 'ctn-naf'
with e as (
  select case :par when 'code-risque' then code_risque
                   when 'naf5' then coalesce(naf, '(non renseigné)')
                   when 'naf2' then coalesce(naf2, '(non renseigné)')
                   when 'ctn-naf' then coalesce(ctn, '(sans CTN)') || '/' || coalesce(naf, '(non renseigné)') end as cle,
         case :par when 'code-risque' then 'ctn' when 'naf5' then 'naf2' when 'naf2' then 'naf38' when 'ctn-naf' then 'ctn' end as par1,
         case :par when 'code-risque' then coalesce(ctn, '(sans CTN)')
                   when 'naf5' then coalesce(naf2, '(non renseigné)')
                   when 'naf2' then coalesce(naf38, '(non renseigné)')
                   when 'ctn-naf' then coalesce(ctn, '(sans CTN)') end as ligne1,
         case :par when 'ctn-naf' then 'naf5' end as par2,
         case :par when 'ctn-naf' then coalesce(naf, '(non renseigné)') end as ligne2
  from stat_sinistralite_etablissement
  where annee = :annee
), c as (
  select distinct on (cle) cle, par1, ligne1, par2, ligne2 from e order by cle, ligne1, ligne2
), g as (
  select par, cle, secret, effectif_mois_cumule from stat_sinistralite_groupe where annee = :annee
)
select c.cle, gc.secret, gc.effectif_mois_cumule / 12 as cout,
       c.par1, c.ligne1, g1.secret as secret1, c.par2, c.ligne2, g2.secret as secret2
from c
join g gc on gc.par = :par and gc.cle = c.cle
join g g1 on g1.par = c.par1 and g1.cle = c.ligne1
left join g g2 on g2.par = c.par2 and g2.cle = c.ligne2
order by c.cle collate "C"
