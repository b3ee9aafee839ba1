-- Messages the SMTP server accepted (pipeline.ts records them in batches): sent now, deemed notified :jours days later
-- (the number of days comes from rules/delais.ts), with the server's reply. :sirens and :reponses are parallel arrays.
-- A notice of availability (avis) accepted is recorded in the account's ledger too (avis_envoye_le), so that nothing
-- sends it again.
with acceptees as (
  update notification n
     set statut = 'envoyee', envoyee_le = now(), reputee_notifiee_le = current_date + :jours::int,
         reponse_smtp = v.reponse, derniere_erreur = null
    from unnest(:sirens::text[], :reponses::text[]) as v(siren, reponse)
   where n.annee = :annee and n.lot = 'campagne' and n.destinataire_siren = v.siren
  returning n.annee, n.destinataire_siren, n.avis
)
update notification_compte nc
   set avis_envoye_le = now(), avis_erreur = null
  from acceptees a
 where a.avis and nc.annee = a.annee and nc.destinataire_siren = a.destinataire_siren and nc.avis_envoye_le is null
