-- Claims up to :n notifications for sending (pipeline.ts): rows still 'rendue', locked with SKIP LOCKED so that
-- concurrent senders (other processes, other machines) each get different rows and never wait for one another;
-- :exclus are rows this sender already gave up on in this run. The rows returned are this sender's (:cle).
update notification n
   set statut = 'envoi_en_cours', reserve_par = :cle, envoi_commence_le = now(), smtp_commence_le = null,
       tentatives = n.tentatives + 1
  from (select annee, destinataire_siren
          from notification
         where annee = :annee and lot = 'campagne' and statut = 'rendue' and destinataire_siren <> all(:exclus::text[])
         order by destinataire_siren
         limit :n
           for update skip locked) libres
 where n.annee = libres.annee and n.destinataire_siren = libres.destinataire_siren and n.lot = 'campagne'
returning n.annee, n.destinataire_siren, n.raison_sociale, n.email, n.statut, n.pdf_chemin, n.pdf_sha256, n.message_id,
          n.tentatives, n.contenu_empreinte
