-- The recipient of the letters of the given companies, as for the campaign's notifications: the group's head when
-- the company belongs to a group receiving grouped notifications, else the company (its siège); with its address.
-- :sirens text[]
select e.siren,
       case when g.notification_groupee then g.siren_tete else e.siren end as destinataire_siren,
       coalesce(dest.raison_sociale, g.nom, e.raison_sociale) as destinataire_nom,
       dest.adresse as destinataire_adresse, dest.code_postal as destinataire_code_postal, dest.commune as destinataire_commune,
       e.raison_sociale
from entreprise e
left join groupe g on g.groupe_id = e.groupe_id
left join entreprise dest on dest.siren = case when g.notification_groupee then g.siren_tete else e.siren end
where e.siren = any(:sirens)
