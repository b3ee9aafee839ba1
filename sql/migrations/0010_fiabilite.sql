-- Reliability: who holds the data lock, provisional campaigns.

-- The holders of the data lock (jobs/verrou-donnees.ts): ingestions (exclusive) and campaign runs (shared) never
-- interleave. The lock itself is a PostgreSQL advisory lock; these rows only name its holders in a refusal. A row
-- left by a killed process is removed by the next exclusive holder.
create table verrou_donnees (
  jeton     text primary key,
  commande  text not null,
  mode      text not null check (mode in ('partage', 'exclusif')),
  pid       integer,
  hote      text,
  depuis    timestamptz not null default now()
);

-- A provisional campaign (rate year N computed on the barème of an earlier year, before N's arrêté is published):
-- never validated nor notified; the real run replaces it.
alter table campagne add column provisoire boolean not null default false;
alter table campagne add column bareme_annee integer;
