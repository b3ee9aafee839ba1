-- Every notified section of campaign :annee (latest decision of each SIRET × code risque, notifie = true) with
-- its establishment, company and recipient: the group's head when the company belongs to a group receiving
-- grouped notifications, else the company itself (its siège).
with decision as (
  select t.* from campagne_taux_courant t where t.annee = :annee
), section as (
  select d.*, case when g.notification_groupee then g.siren_tete else d.siren end as destinataire_siren
  from decision d
  left join entreprise e on e.siren = d.siren
  left join groupe g on g.groupe_id = e.groupe_id
  where d.statut = 'calcule' and d.notifie
)
select s.destinataire_siren,
       case when g.notification_groupee and g.siren_tete = s.destinataire_siren then g.groupe_id end as groupe_id,
       g.nom as groupe_nom,
       coalesce(dest.raison_sociale, g.nom, ent.raison_sociale, 'SIREN ' || s.destinataire_siren) as destinataire_nom,
       dest.siret_siege as destinataire_siret_siege,
       dest.adresse as destinataire_adresse, dest.code_postal as destinataire_code_postal, dest.commune as destinataire_commune,
       case when g.notification_groupee and g.siren_tete = s.destinataire_siren
            then coalesce(g.email_notification, dest.email_notification) else dest.email_notification end as destinataire_email,
       coalesce(dest.notification_dematerialisee, false) as destinataire_dematerialisee,
       s.siren, ent.raison_sociale, s.siret, et.nom as etablissement_nom, et.adresse, et.code_postal, et.commune,
       s.code_risque, cr.libelle as libelle_risque, s.section, s.decision, s.mode, s.effectif, s.ctn,
       s.taux_precedent, s.taux_calcule, s.taux_notifie, s.ecretement, s.plancher, s.plafond,
       s.groupe_tarification, s.explication
from section s
left join entreprise ent on ent.siren = s.siren
left join groupe g on g.groupe_id = ent.groupe_id
left join entreprise dest on dest.siren = s.destinataire_siren
left join etablissement et on et.siret = s.siret
left join code_risque cr on cr.code_risque = s.code_risque
order by s.destinataire_siren, s.siren, s.siret, s.section, s.code_risque;
