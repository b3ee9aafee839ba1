-- The establishments whose notified rate moves most against the previous one. :annee :limite
select * from (
  select t.siret, coalesce(e.nom, '') as nom, t.code_risque, t.mode,
         t.taux_precedent::text as taux_precedent, t.taux_calcule::text as taux_calcule, t.taux_notifie::text as taux_notifie,
         (t.taux_notifie - t.taux_precedent)::text as variation, coalesce(t.ecretement, '') as ecretement
  from campagne_taux_courant t left join etablissement e on e.siret = t.siret
  where t.annee = :annee and t.statut = 'calcule' and t.notifie and t.taux_precedent is not null
) x
order by abs(variation::numeric) desc, siret, code_risque
limit :limite
