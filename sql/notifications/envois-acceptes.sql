-- Messages the SMTP server accepted (pipeline.ts records them in batches): sent now, deemed notified :jours days later
-- (the number of days comes from rules/delais.ts), with the server's reply. :sirens and :reponses are parallel arrays.
update notification n
   set statut = 'envoyee', envoyee_le = now(), reputee_notifiee_le = current_date + :jours::int,
       reponse_smtp = v.reponse, derniere_erreur = null
  from unnest(:sirens::text[], :reponses::text[]) as v(siren, reponse)
 where n.annee = :annee and n.destinataire_siren = v.siren
