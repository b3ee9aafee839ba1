-- DSN ingestion (NEODeS): file ledger, declaration ledger with annule-et-remplace status, and the facts each
-- declaration contributes per (SIRET, month). Consolidated values = sum over declarations with statut 'retenue'.
-- No personal data is stored (no NIR, NTT, names): see pipelines/ingest-dsn/README.md.

create table dsn_fichier (
  sha256        text primary key,
  chemin        text not null,
  octets        bigint not null,
  declarations  integer not null,
  ingere_le     timestamptz not null default now()
);

create table dsn_declaration (
  id                 bigserial primary key,
  fichier_sha256     text not null references dsn_fichier (sha256),
  ligne              integer not null,
  -- SHA-256 of the declaration's records (S20.G00.05 up to the next S20/S90): the same declaration in another file
  empreinte          text not null,
  nature             text not null,
  siren              text,
  nic                text,
  siret              text,
  apet               text,
  mois_principal     date,
  fraction           text,
  type               text,
  numero_ordre       numeric(30, 0),
  date_constitution  date,
  -- retenue: its facts count; remplacee: superseded by remplacee_par (A&R or newer version);
  -- ecartee: second normale for the same key, or same declaration already loaded; ignoree: test envoi or nature <> 01
  statut             text not null check (statut in ('retenue', 'remplacee', 'ecartee', 'ignoree')),
  remplacee_par      bigint references dsn_declaration (id),
  motif              text not null default ''
);
create index dsn_declaration_cle on dsn_declaration (siret, mois_principal, fraction) where statut = 'retenue';
create index dsn_declaration_empreinte on dsn_declaration (empreinte);

-- Facts of one declaration for one (SIRET, month). masse_salariale is attributed to the month of the rattachement
-- period (78.002), so a régularisation row carries a signed delta on the month it corrects. effectif and heures
-- are set on the declaration's own month (effectif: CSS R130-1 monthly headcount, untruncated).
create table dsn_fait_mensuel (
  declaration_id   bigint not null references dsn_declaration (id),
  siren            text not null,
  siret            text not null,
  mois             date not null,
  masse_salariale  numeric not null default 0,
  effectif         numeric,
  heures           numeric not null default 0,
  primary key (declaration_id, siret, mois)
);
create index dsn_fait_mensuel_siret on dsn_fait_mensuel (siret, mois);
create index dsn_fait_mensuel_siren on dsn_fait_mensuel (siren, mois);

-- Code risque and taux AT declared on the contracts (40.040 / 40.043) of a declaration's own month.
create table dsn_fait_risque (
  declaration_id  bigint not null references dsn_declaration (id),
  siren           text not null,
  siret           text not null,
  mois            date not null,
  code_risque     text not null,
  taux_at         numeric,
  primary key (declaration_id, siret, mois, code_risque)
);
create index dsn_fait_risque_siret on dsn_fait_risque (siret, mois);
