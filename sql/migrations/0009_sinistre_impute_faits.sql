-- sinistre_impute supplies facts only: for the current version of every sinistre, one row per account it may be
-- charged to, with everything the rules need to decide. The shares (third party, intérim ⅓ / ⅔ or ½ / ½) and the
-- exclusions (trajet, compte spécial, inopposable) are decided by rules/imputation.ts and rules/interim.ts, which the
-- campaign, the report and `atmp etablissement` call; this view no longer decides them.
--   imputation  'employeur': the employer's account (the agency's for a temp worker);
--               'utilisateur': the user establishment of a temp worker (every temp worker's claim, whatever its
--               categories: the rule decides what it bears)
--   interim     null, or the side this row is: 'ett' | 'utilisatrice'
--   annee       year the IT counts in (its classification year); annee_ip the IP's (D242-6-7)
-- `not materialized`: a filter on the view (siren = any(…), per campaign batch) reaches both branches and their
-- indexes instead of scanning every sinistre.
drop view sinistre_impute;

create view sinistre_impute as
with courante as not materialized (
  select v.*
  from sinistre_version v
  -- the current version, looked up per row through sinistre's primary key (a join would scan every sinistre)
  where v.numero = (select s.version_courante from sinistre s where s.sinistre_id = v.sinistre_id)
)
select sinistre_id, numero as version, 'employeur'::text as imputation, siret, siren, nature,
       annee_imputation as annee, categorie_it, coalesce(annee_ip, annee_imputation) as annee_ip, categorie_ip,
       part_tiers, case when siret_utilisateur is not null then 'ett' end::text as interim,
       siret as siret_ett, siret_utilisateur, utilisateur_procedure_collective as procedure_collective,
       compte_special, inopposable, date_inopposabilite
from courante
union all
select sinistre_id, numero, 'utilisateur'::text, siret_utilisateur, substr(siret_utilisateur, 1, 9), nature,
       annee_imputation, categorie_it, coalesce(annee_ip, annee_imputation), categorie_ip,
       part_tiers, 'utilisatrice'::text,
       siret, siret_utilisateur, utilisateur_procedure_collective,
       compte_special, inopposable, date_inopposabilite
from courante
where siret_utilisateur is not null;
