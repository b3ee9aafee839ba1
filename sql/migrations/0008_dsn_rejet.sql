-- DSN files refused by the ingestion (they contributed nothing): kept for the data-quality review of a campaign.
create table dsn_rejet (
  id         bigserial primary key,
  chemin     text not null,
  raison     text not null,
  rejete_le  timestamptz not null default now()
);
