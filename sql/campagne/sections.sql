-- The establishment sections of a batch of companies, with what the rules need to know about each.
-- :sirens  text[]   :annee  rate year N
select s.siret, s.siren, s.code_risque, s.section, s.date_debut,
       e.alsace_moselle, e.date_creation, e.option_taux_unique, e.origine, e.a_revoir,
       c.ctn, c.particularite
from etablissement_section s
join etablissement e on e.siret = s.siret and e.siren = any(:sirens)
left join code_risque c on c.code_risque = s.code_risque
where s.siren = any(:sirens)
  and (s.date_debut is null or s.date_debut < make_date(:annee, 1, 1))
order by s.siren, s.siret, s.code_risque
