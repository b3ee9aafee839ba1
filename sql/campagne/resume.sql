-- Summary of a campaign (latest decision of every section): counts by mode and by CTN, écrêtements up and down,
-- distribution of the notified rates, variation against the previous rate, errors.
-- :annee
with t as (
  select * from campagne_taux_courant where annee = :annee
), ok as (
  select * from t where statut = 'calcule'
)
select jsonb_build_object(
  'sections', (select count(*) from t),
  'calculees', (select count(*) from ok),
  'erreurs', (select count(*) from t where statut = 'erreur'),
  'entreprises', (select count(distinct siren) from t),
  'non_notifiees', (select count(*) from ok where not notifie),
  'par_mode', coalesce((select jsonb_object_agg(mode, n) from (select mode, count(*) n from ok group by mode) x), '{}'),
  'par_ctn', coalesce((select jsonb_object_agg(coalesce(ctn, 'sans CTN'), n) from (select ctn, count(*) n from ok group by ctn) x), '{}'),
  'ecretements', jsonb_build_object(
    'hausse', (select count(*) from ok where ecretement = 'hausse'),
    'baisse', (select count(*) from ok where ecretement = 'baisse')),
  'distribution_taux', coalesce((select jsonb_agg(jsonb_build_object('de', b, 'a', b + 1, 'n', n) order by b) from (
      select least(floor(taux_notifie), 10)::int b, count(*) n from ok group by 1) x), '[]'),
  'taux', (select jsonb_build_object('min', min(taux_notifie)::text, 'max', max(taux_notifie)::text,
      'moyen', round(avg(taux_notifie), 4)::text,
      'moyen_pondere', case when sum(masse_salariale) > 0 then round(sum(taux_notifie * masse_salariale) / sum(masse_salariale), 4)::text end)
      from ok),
  'variation', (select jsonb_build_object(
      'avec_taux_precedent', count(*),
      'hausse', count(*) filter (where taux_notifie > taux_precedent),
      'baisse', count(*) filter (where taux_notifie < taux_precedent),
      'stable', count(*) filter (where taux_notifie = taux_precedent),
      'moyenne_points', round(avg(taux_notifie - taux_precedent), 4)::text)
      from ok where taux_precedent is not null),
  'liste_erreurs', coalesce((select jsonb_agg(jsonb_build_object('siret', siret, 'code_risque', code_risque, 'erreur', erreur) order by siret, code_risque)
      from t where statut = 'erreur'), '[]')
) as resume
