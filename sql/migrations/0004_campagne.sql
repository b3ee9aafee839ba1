-- The yearly campaign: its ledger, the rate of every establishment section, and the job runs that wrap it.

-- One row per job and period: the run ledger. A run holds an advisory lock named after (job, periode) for its
-- whole duration; a row left 'en_cours' by a killed process is resumed by the next run from its checkpoint.
create table job_run (
  job          text not null,
  periode      text not null,
  statut       text not null check (statut in ('en_cours', 'termine', 'echec')),
  demarre_le   timestamptz not null default now(),
  termine_le   timestamptz,
  pid          integer,
  hote         text,
  tentatives   integer not null default 1,
  -- resumable progress (e.g. the last SIREN rated)
  checkpoint   jsonb,
  compteurs    jsonb,
  erreur       text,
  primary key (job, periode)
);

create table campagne (
  annee             integer primary key,
  -- calcul: being computed; calculee: complete, under review; validee: frozen
  statut            text not null check (statut in ('calcul', 'calculee', 'validee')),
  bareme_empreinte  text,
  cree_le           timestamptz not null default now(),
  calculee_le       timestamptz,
  validee_le        timestamptz,
  validee_par       text,
  resume            jsonb
);

-- The rate of one establishment section for rate year N. A validated campaign is frozen (trigger below); a later
-- correction is a new decision (decision + 1) that references the one it replaces.
create table campagne_taux (
  annee                integer not null references campagne (annee),
  siret                text not null,
  code_risque          text not null,
  decision             integer not null default 1,
  remplace_decision    integer,
  siren                text not null,
  section              text not null check (section in ('principale', 'fsna', 'bureau')),
  statut               text not null check (statut in ('calcule', 'erreur')),
  erreur               text,
  ctn                  text,
  alsace_moselle       boolean,
  mode                 text check (mode in ('collectif', 'mixte', 'individuel')),
  motif_mode           text,
  notifie              boolean,
  effectif             numeric,
  taux_collectif       numeric,
  masse_salariale      numeric,
  valeur_du_risque     numeric,
  taux_brut            numeric,
  taux_net_individuel  numeric,
  fraction             numeric,
  taux_calcule         numeric,
  taux_precedent       numeric,
  plancher             numeric,
  plafond              numeric,
  ecretement           text check (ecretement in ('hausse', 'baisse')),
  taux_notifie         numeric,
  -- taux unique or merged sections: the key of the pool this rate was computed on
  groupe_tarification  text,
  explication          jsonb,
  bareme_empreinte     text,
  entrees_empreinte    text,
  calcule_le           timestamptz not null default now(),
  primary key (annee, siret, code_risque, decision)
);
create index campagne_taux_siren on campagne_taux (annee, siren);

create function campagne_taux_figee() returns trigger language plpgsql as $$
declare
  s text;
begin
  select statut into s from campagne where annee = coalesce(new.annee, old.annee);
  if s = 'validee' then
    if tg_op = 'INSERT' and new.remplace_decision is not null then
      return new;  -- a correction: a new decision referencing the frozen one
    end if;
    raise exception 'campagne % validée : les taux sont figés (une correction crée une nouvelle décision)', coalesce(new.annee, old.annee)
      using errcode = 'P0001';
  end if;
  return coalesce(new, old);
end $$;

create trigger campagne_taux_figee before insert or update or delete on campagne_taux
  for each row execute function campagne_taux_figee();
