-- Barèmes (reference data), dated by rate year; every value carries its source.
-- origine: 'reference' = shipped with atmp (reference/), else the id of an `atmp bareme import`.

create table bareme_import (
  id          bigserial primary key,
  annee       integer not null,
  type        text not null check (type in ('taux_collectifs', 'couts_moyens', 'majorations')),
  fichier     text not null,
  sha256      text not null,
  source      text not null,
  lignes      integer not null,
  importe_le  timestamptz not null default now()
);

create table code_risque (
  code_risque     text primary key check (code_risque ~ '^(\d{2}\.\d[A-Z]{2}|00\.00[AB])$'),
  ctn             text check (ctn in ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I')),
  -- 'fsna': 00.00B (no CTN); 'd242-6-22': collective rate applied with no notification (no CTN)
  particularite   text not null default '' check (particularite in ('', 'fsna', 'd242-6-22')),
  libelle         text not null,
  premiere_annee  integer,
  derniere_annee  integer,
  origine         text not null default 'reference'
);

create table bareme_taux_collectif (
  annee        integer not null,
  code_risque  text not null references code_risque (code_risque),
  -- Alsace-Moselle rates (annex 3) are a separate table of the same arrêté
  zone         text not null default 'general' check (zone in ('general', 'alsace_moselle')),
  taux_net     numeric not null check (taux_net >= 0),
  -- CSS D.242-6-14 "TC" mark; null = not published in the source
  collectif_quel_que_soit_effectif boolean,
  source       text not null,
  confiance    text,
  origine      text not null default 'reference',
  import_id    bigint references bareme_import (id),
  primary key (annee, zone, code_risque)
);

create table bareme_majorations (
  annee        integer primary key,
  m1           numeric not null,
  m2           numeric not null,   -- in % of (taux brut + M1), as the arrêté writes it
  m3           numeric not null,
  m4           numeric not null,
  tnmn         numeric,            -- taux net moyen national; null = not found
  date_debut   date not null,
  date_fin     date not null,
  source       text not null,
  confiance    text,
  origine      text not null default 'reference',
  import_id    bigint references bareme_import (id)
);

create table bareme_cout_moyen (
  annee      integer not null,
  ctn        text not null check (ctn in ('A', 'B', 'B-AM', 'C', 'D', 'E', 'F', 'G', 'H', 'I')),
  categorie  text not null check (categorie in ('IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IP1', 'IP2', 'IP3', 'IP4',
                                                'BTP_GROS_OEUVRE', 'BTP_SECOND_OEUVRE', 'BTP_FONCTIONS_SUPPORT')),
  montant    numeric not null check (montant > 0),
  source     text not null,
  confiance  text,
  origine    text not null default 'reference',
  import_id  bigint references bareme_import (id),
  primary key (annee, ctn, categorie)
);

-- fingerprint of the shipped reference/ files last loaded
create table reference_version (
  id        integer primary key check (id = 1),
  sha256    text not null,
  charge_le timestamptz not null default now()
);

-- BTP activity group of a CTN B code (coûts moyens of IP >= 10 % and deaths outside Alsace-Moselle)
create table groupe_btp (
  code_risque  text primary key references code_risque (code_risque),
  groupe       text not null check (groupe in ('BTP_GROS_OEUVRE', 'BTP_SECOND_OEUVRE', 'BTP_FONCTIONS_SUPPORT')),
  confiance    text,
  source       text not null
);
