-- Data quality of the DSN behind a campaign: files loaded and refused, declarations by status, and the
-- establishments whose reference year N-2 has months without any retained declaration (between their first and
-- last declared month). :annee_effectif
select jsonb_build_object(
  'fichiers_charges', (select count(*)::integer from dsn_fichier),
  'fichiers_rejetes', coalesce((select jsonb_agg(jsonb_build_object('chemin', chemin, 'raison', raison) order by id) from dsn_rejet), '[]'),
  'declarations', coalesce((select jsonb_object_agg(statut, n) from (select statut, count(*)::integer n from dsn_declaration group by statut) x), '{}'),
  'mois_manquants', coalesce((
    with m as (
      select f.siret, date_trunc('month', f.mois)::date as mois
      from dsn_fait_retenu f
      where f.mois >= make_date(:annee_effectif, 1, 1) and f.mois < make_date(:annee_effectif + 1, 1, 1) and f.effectif is not null
      group by 1, 2
    ), bornes as (
      select siret, min(mois) as debut, max(mois) as fin, count(*) as presents from m group by siret
    )
    select jsonb_agg(jsonb_build_object('siret', siret, 'manquants', manquants) order by siret)
    from (
      select b.siret, (select jsonb_agg(to_char(g, 'YYYY-MM') order by g) from generate_series(b.debut, b.fin, interval '1 month') g
                       where not exists (select 1 from m where m.siret = b.siret and m.mois = g::date)) as manquants
      from bornes b
      where b.presents < (extract(year from age(b.fin, b.debut)) * 12 + extract(month from age(b.fin, b.debut)) + 1)
    ) x), '[]')
) as qualite
