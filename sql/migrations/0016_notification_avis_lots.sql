-- The outbox carries more than the campaign's notifications, and its e-mail is a notice of availability.
--   lot            what the row notifies: 'campagne' (the campaign's grouped notification of year annee), or
--                  'decisions:<date>' (the letters of the decisions taken after the campaign, rendered that day);
--                  part of the key, so that a recipient has one row per lot and a lot is never sent twice
--   avis           the e-mail sent was the notice "votre notification … est disponible" (account), not the letter
--   recommande_ar  a paper row with a mixte or individuel rate: registered letter with acknowledgement of receipt
--                  (arrêté du 17 octobre 1995)
alter table notification add column lot text not null default 'campagne';
alter table notification add column avis boolean not null default false;
alter table notification add column recommande_ar boolean not null default false;
alter table notification drop constraint notification_pkey;
alter table notification add primary key (annee, destinataire_siren, lot);
drop index if exists notification_a_traiter;
create index notification_a_traiter on notification (annee, lot, statut, destinataire_siren) where statut in ('a_rendre', 'rendue', 'envoi_en_cours');
