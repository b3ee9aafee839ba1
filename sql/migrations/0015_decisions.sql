-- The life of a rate after the campaign: every rate decision of an establishment section for a rate year, in
-- order, never overwritten (docs/decisions.md).
--   base decisions (they set the rate): campagne, rectification, creation, reclassement
--   adjustments on top of the base in force (after écrêtement, never in the next year's écrêtement base):
--   ristourne, ristourne_trajet, cotisation_supplementaire
-- A decision replacing another (remplace_id) ends it from its own start date: a rectification replaces the whole
-- period, a reclassement the rest of the year, a raised cotisation supplémentaire the lower one.
create table decision_taux (
  id                 bigserial primary key,
  siret              text not null check (siret ~ '^\d{14}$'),
  siren              text not null check (siren ~ '^\d{9}$'),
  code_risque        text not null,
  section            text not null check (section in ('principale', 'fsna', 'bureau')),
  annee              integer not null check (annee between 1990 and 2100),
  nature             text not null check (nature in ('campagne', 'rectification', 'creation', 'reclassement',
                                                     'ristourne', 'ristourne_trajet', 'cotisation_supplementaire')),
  -- base decisions: the rate notified; adjustments: the rate in force once applied (for display; the export
  -- recomputes it on the base in force)
  taux               numeric not null check (taux >= 0 and taux < 100),
  -- adjustments: the percentage decided and the points it adds (cotisation) or removes (ristournes, negative)
  pourcentage        numeric,
  points             numeric,
  debut              date not null,
  fin                date not null check (fin >= debut),
  motif              text not null,
  base_legale        text not null,
  remplace_id        bigint references decision_taux (id),
  -- the campagne_taux decision number this base decision stands for (campagne, rectification)
  campagne_decision  integer,
  decide_par         text not null,
  decide_le          timestamptz not null default now(),
  -- the date the decision was notified (certain date: reputed notified, acknowledgement of receipt), and the
  -- letter that notified it
  notifiee_le        date,
  notification_ref   text,
  -- budgeted cost of a ristourne travail (euros, estimate: see docs/decisions.md)
  cout_estime        numeric,
  explication        jsonb,
  entrees_empreinte  text,
  -- a decision recorded twice is recorded once
  cle                text not null unique
);
create index decision_taux_cle on decision_taux (siret, code_risque, annee);
create index decision_taux_annee on decision_taux (annee, nature);

-- Recours recorded against a rate decision (recours gracieux, CRA, Cour d'appel d'Amiens): a rate under recours
-- is not final.
create table recours_taux (
  id           bigserial primary key,
  decision_id  bigint not null references decision_taux (id),
  forme_le     date not null,
  instance     text not null,
  enregistre_le timestamptz not null default now(),
  unique (decision_id, forme_le, instance)
);

-- Campaigns validated before this migration: their decisions are recorded as `campagne valider` records them.
insert into decision_taux (siret, siren, code_risque, section, annee, nature, taux, debut, fin, motif, base_legale,
                           campagne_decision, decide_par, decide_le, explication, entrees_empreinte, cle)
select t.siret, t.siren, t.code_risque, t.section, t.annee, 'campagne', t.taux_notifie,
       make_date(t.annee, 1, 1), make_date(t.annee, 12, 31),
       'campagne de tarification ' || t.annee || ' (' || t.mode || ')',
       'CSS art. D242-6-2 et suivants ; arrêté du 17 octobre 1995',
       t.decision, coalesce(c.validee_par, 'inconnu'), coalesce(c.validee_le, now()), t.explication, t.entrees_empreinte,
       'campagne/' || t.annee || '/' || t.siret || '/' || t.code_risque || '/' || t.decision
from campagne_taux t join campagne c on c.annee = t.annee and c.statut = 'validee'
where t.statut = 'calcule' and t.notifie and t.decision = 1;
