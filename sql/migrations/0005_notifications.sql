-- Grouped notifications of a validated campaign: the outbox ledger, one row per (campaign, recipient).
-- A recipient is the head of a group receiving grouped notifications (groupe.notification_groupee), else the
-- company's siège. States (pipelines/notifications/README.md):
--   rendue          PDF rendered and stored (path + SHA-256), waiting to be sent by e-mail
--   envoi_en_cours  claimed by a sender just before the SMTP transaction; a row found in this state after a crash
--                   is never resent blindly (the server may have accepted it): it is "à vérifier"
--   envoyee         accepted by the SMTP server (message_id, envoyee_le); deemed notified 15 days later
--   papier          in the print batch: no dematerialised notification, or no e-mail address
--   echec           permanently refused by the SMTP server (5xx): also put in the print batch
create table notification (
  annee                 integer not null references campagne (annee),
  destinataire_siren    text not null check (destinataire_siren ~ '^\d{9}$'),
  groupe_id             text,
  raison_sociale        text not null,
  email                 text,
  dematerialisee        boolean not null,
  statut                text not null check (statut in ('rendue', 'envoi_en_cours', 'envoyee', 'papier', 'echec')),
  -- what the notification covers: its establishment sections, and a fingerprint of their stored decisions
  etablissements        integer not null,
  sirets                text[] not null,
  contenu_empreinte     text not null,
  -- the rendered PDF (<ATMP_OUT_DIR>/notifications/<annee>/<siren>.pdf); bytes are deterministic
  pdf_chemin            text not null,
  pdf_sha256            text not null check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
  pdf_octets            integer not null,
  rendue_le             timestamptz not null default now(),
  -- deterministic Message-ID: the same notification always carries the same id (dedup on the receiving side)
  message_id            text not null unique,
  tentatives            integer not null default 0,
  derniere_erreur       text,
  envoi_commence_le     timestamptz,
  envoyee_le            timestamptz,
  reponse_smtp          text,
  -- deemed notified 15 days after being made available, unless consulted earlier (Cass. 2e civ. avis
  -- 5 octobre 2023 n° 23-70.009): the 2-month recours deadline starts then
  reputee_notifiee_le   date,
  impression_chemin     text,
  primary key (annee, destinataire_siren)
);
create index notification_statut on notification (annee, statut);
