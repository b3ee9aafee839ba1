-- What the sinistralité tables of one year leave out, for the output's header (counts only, nothing per company):
-- establishments with DSN facts that year but no statistical section principale (unknown to the référentiel, or
-- no known code risque), establishments declaring only FSNA / bureau codes that year, compte spécial MPs in first
-- settlement that year (the CTN Z of the national statistics).
-- :annee year of the statistics
select
  (select count(*) from stat_exposition x
    where x.annee = :annee and not exists (select 1 from stat_etablissement e where e.siret = x.siret)) as etablissements_sans_section,
  (select count(*) from stat_exposition x
    where x.annee = :annee and x.bureau and exists (select 1 from stat_etablissement e where e.siret = x.siret)) as etablissements_bureaux,
  (select count(*) from stat_sinistre s
    where s.annee_premier_reglement = :annee and s.compte_special) as mp_compte_special
