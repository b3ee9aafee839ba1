-- The employer's online account (compte AT/MP): accounts, single-use sign-in links, sessions, the audit trail,
-- and the electronic notification ledger (made available, first consultation, notification date, recours deadline).
-- Security model: docs/compte.md.

-- An employer account is a notification recipient: a company (SIREN), or the head of a group whose mandate to
-- receive its companies' notifications is recorded (groupe.notification_groupee). An agent account has no SIREN.
create table compte (
  id          bigserial primary key,
  role        text not null check (role in ('employeur', 'agent')),
  siren       text check (siren ~ '^\d{9}$'),
  email       text not null,
  cree_le     timestamptz not null default now(),
  check ((role = 'employeur') = (siren is not null))
);
create unique index compte_siren_unique on compte (siren) where role = 'employeur';
create unique index compte_agent_email on compte (lower(email)) where role = 'agent';

-- The SIRENs an account may see: its own, and its group's companies when it heads a group with a mandate.
-- Every data query of the web application joins this view on the signed-in account.
create view compte_siren as
select c.id as compte_id, c.siren
from compte c
where c.role = 'employeur'
union
select c.id, e.siren
from compte c
join groupe g on g.siren_tete = c.siren and g.notification_groupee
join entreprise e on e.groupe_id = g.groupe_id
where c.role = 'employeur';

-- Single-use sign-in links: only the SHA-256 of the token is stored; 15 minutes of validity.
create table connexion_jeton (
  hash        text primary key check (hash ~ '^[0-9a-f]{64}$'),
  compte_id   bigint not null references compte (id) on delete cascade,
  cree_le     timestamptz not null,
  expire_le   timestamptz not null,
  utilise_le  timestamptz,
  -- who asked for it: 'courriel' (the sign-in form), 'cli' (atmp compte lien), 'agent:<id>' (agent page)
  origine     text not null
);
create index connexion_jeton_compte on connexion_jeton (compte_id, cree_le);

-- Sessions: the cookie holds a random token, the database its SHA-256.
create table session_web (
  hash        text primary key check (hash ~ '^[0-9a-f]{64}$'),
  compte_id   bigint not null references compte (id) on delete cascade,
  cree_le     timestamptz not null,
  expire_le   timestamptz not null,
  fermee_le   timestamptz
);

-- Who did what, when: one row per request of the web application and per link issued at the command line.
create table acces_journal (
  id          bigserial primary key,
  quand       timestamptz not null default now(),
  compte_id   bigint references compte (id) on delete set null,
  ip          text,
  methode     text not null,
  chemin      text not null,
  statut_http integer,
  action      text not null,
  objet       text
);
create index acces_journal_compte on acces_journal (compte_id, quand);
create index acces_journal_quand on acces_journal (quand);

-- The electronic notification ledger, one row per notification made available in the recipient's account,
-- keyed on the notification's row. notifiee_le and recours_jusqu_au are computed by rules/consultation.ts and
-- stored once known: at the first consultation, or when the 15 days have passed without one.
create table notification_compte (
  annee                     integer not null,
  destinataire_siren        text not null,
  mise_a_disposition_le     timestamptz not null,
  avis_envoye_le            timestamptz,
  avis_erreur               text,
  premiere_consultation_le  timestamptz,
  premiere_consultation_par bigint references compte (id) on delete set null,
  notifiee_le               date,
  -- 'consultation' or 'quinze_jours' (réputée notifiée)
  notifiee_par              text check (notifiee_par in ('consultation', 'quinze_jours')),
  recours_jusqu_au          date,
  -- the notification row's key (no foreign key: the notification pipeline may rebuild its own table)
  primary key (annee, destinataire_siren)
);
