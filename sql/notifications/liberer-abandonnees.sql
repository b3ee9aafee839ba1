-- Rows 'envoi_en_cours' left by a process that is gone (its advisory lock is no longer held) and whose SMTP
-- transaction never started (smtp_commence_le null): claimed ahead, never handed to SMTP, so certainly not sent.
-- They go back to 'rendue'. Rows whose transaction started stay: they are uncertain ("à vérifier").
update notification
   set statut = 'rendue', reserve_par = null, tentatives = greatest(tentatives - 1, 0)
 where annee = :annee and lot = 'campagne' and statut = 'envoi_en_cours' and smtp_commence_le is null
   and not notification_expediteur_actif(reserve_par)
returning destinataire_siren
