-- Claims up to :n notifications to render (pipeline.ts): rows 'a_rendre' that no live process holds (never
-- claimed, or claimed by a process that died: its advisory lock is gone), locked with SKIP LOCKED so that
-- concurrent processes each get different rows. :exclus are rows this process cannot render in this run.
update notification n
   set reserve_par = :cle
  from (select annee, destinataire_siren
          from notification
         where annee = :annee and lot = 'campagne' and statut = 'a_rendre' and destinataire_siren <> all(:exclus::text[])
           and (reserve_par is null or (reserve_par <> :cle and not notification_expediteur_actif(reserve_par)))
         order by destinataire_siren
         limit :n
           for update skip locked) libres
 where n.annee = libres.annee and n.destinataire_siren = libres.destinataire_siren and n.lot = 'campagne'
returning n.destinataire_siren
