-- Claims a batch of notifications for sending (pipeline.ts): only a row still 'rendue' moves to 'envoi_en_cours',
-- so no two senders ever hold the same row; the rows returned are this sender's.
update notification
   set statut = 'envoi_en_cours', envoi_commence_le = now(), tentatives = tentatives + 1
 where annee = :annee and destinataire_siren = any(:sirens::text[]) and statut = 'rendue'
returning destinataire_siren
