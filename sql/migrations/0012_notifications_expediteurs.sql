-- Several `atmp notifications send` processes share one campaign's outbox (docs/notifications.md).
--
-- New state a_rendre: a recipient planned, its PDF not rendered yet; a process claims a batch of such rows
-- (FOR UPDATE SKIP LOCKED, reserve_par = its key), renders them, and records them 'rendue' (or 'papier').
-- Until then a row has no PDF, hence no Message-ID.
alter table notification drop constraint notification_statut_check;
alter table notification add constraint notification_statut_check
  check (statut in ('a_rendre', 'rendue', 'envoi_en_cours', 'envoyee', 'papier', 'echec'));
alter table notification alter column pdf_chemin drop not null;
alter table notification alter column pdf_sha256 drop not null;
alter table notification alter column pdf_octets drop not null;
alter table notification alter column message_id drop not null;
alter table notification add constraint notification_rendue_a_un_pdf
  check (statut = 'a_rendre' or (pdf_chemin is not null and pdf_sha256 is not null and pdf_octets is not null and message_id is not null));

-- the process holding the row (a_rendre being rendered, envoi_en_cours being sent): the text of the session advisory
-- lock that process holds for its whole run; a row whose holder no longer holds its lock was left by a dead process
alter table notification add column reserve_par text;
-- the start of this message's SMTP transaction, recorded (committed) just before the message is handed to the SMTP
-- connection: a row 'envoi_en_cours' left by a dead process without it was claimed ahead and never handed over,
-- so it goes back to 'rendue'; with it, the server may have the message: it is uncertain ("à vérifier")
alter table notification add column smtp_commence_le timestamptz;
-- rows left in flight before this migration: their transaction may have started
update notification set smtp_commence_le = coalesce(envoi_commence_le, now()) where statut = 'envoi_en_cours';

create index notification_a_traiter on notification (annee, statut, destinataire_siren) where statut in ('a_rendre', 'rendue', 'envoi_en_cours');

-- Whether some session holds the advisory lock of key `cle` (pg_try_advisory_lock(hashtextextended(cle, 0)), as the
-- job ledger takes its locks): a bigint advisory lock shows in pg_locks as its high and low 32 bits, objsubid 1.
create function notification_expediteur_actif(cle text) returns boolean
language sql stable as $$
  select cle is not null and exists (
    select 1 from pg_locks l
     where l.locktype = 'advisory' and l.granted and l.objsubid = 1
       and l.database = (select oid from pg_database where datname = current_database())
       and l.classid::bigint = (hashtextextended(cle, 0) >> 32) & 4294967295
       and l.objid::bigint = hashtextextended(cle, 0) & 4294967295)
$$;
