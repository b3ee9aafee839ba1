-- Claims of the given establishments with a version loaded after a date (a new CPAM extract): what changed since
-- a rate was decided (made inopposable, recategorised, withdrawn into the compte spécial, trajet).
-- :sirets text[]   :depuis timestamptz
select v.siret, v.siret_utilisateur, v.sinistre_id, v.numero, v.date_extraction, v.annee_imputation, v.inopposable,
       v.compte_special, v.nature, v.categorie_it, v.categorie_ip,
       p.inopposable as avant_inopposable, p.compte_special as avant_compte_special, p.nature as avant_nature,
       p.categorie_it as avant_categorie_it, p.categorie_ip as avant_categorie_ip
from sinistre_version v
left join sinistre_version p on p.sinistre_id = v.sinistre_id and p.numero = v.numero - 1
where (v.siret = any(:sirets) or v.siret_utilisateur = any(:sirets)) and v.charge_le > :depuis::timestamptz
order by v.sinistre_id, v.numero
