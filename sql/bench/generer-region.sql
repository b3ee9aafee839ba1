-- Synthetic consolidated facts for a region, generated directly in the database (campaign benchmark and the
-- kill-and-resume test): :entreprises companies from SIREN :premier (9 digits; test data, no Luhn key), 1 to 3
-- establishments each, one code risque per establishment among :codes (text[], codes with complete coûts
-- moyens for N), masse salariale for N-4..N-2 (yearly rows for N-4 and N-3, monthly for N-2 with the R130-1
-- headcount), claims with IT and IP categories, the rate notified for N-1. Deterministic: every "random" value
-- is a hash of the row's identity. :annee rate year N.
create temporary table gen_ent on commit drop as
select i, lpad((:premier + i)::text, 9, '0') as siren, abs(hashtext('e' || i)) % 1000 as h
from generate_series(0, :entreprises - 1) i;

insert into entreprise (siren, raison_sociale, siret_siege, adresse, code_postal, commune, email_notification, notification_dematerialisee)
select siren, 'Entreprise ' || i, siren || '00010', i || ' rue de la Tarification', '59000', 'Lille', 'paie' || i || '@exemple.fr', h % 10 <> 0
from gen_ent;

create temporary table gen_etab on commit drop as
select e.siren || lpad((10 * k)::text, 5, '0') as siret, e.siren, e.h, k,
       -- headcount of the establishment: most companies under 20, a tail over 150
       (case when e.h < 700 then 1 + e.h % 19 when e.h < 950 then 20 + e.h % 130 else 150 + e.h % 450 end)::numeric
         / (1 + (e.h % 7) / 3) as effectif,
       (:codes::text[])[1 + abs(hashtext('c' || e.siren || k)) % cardinality(:codes::text[])] as code_risque
from gen_ent e cross join lateral generate_series(1, 1 + (e.h % 7) / 3) k;

insert into etablissement (siret, siren, nom, adresse, code_postal, commune, alsace_moselle, date_creation, origine)
select siret, siren, 'Établissement ' || k, k || ' avenue des Risques', '59000', 'Lille', false,
       make_date(:annee - 10 - h % 20, 1 + h % 12, 1), 'referentiel'
from gen_etab;

insert into etablissement_section (siret, siren, code_risque, section, origine)
select siret, siren, code_risque, 'principale', 'referentiel' from gen_etab;

insert into taux_notifie (siret, siren, code_risque, annee, taux)
select siret, siren, code_risque, :annee - 1, 1.5 + (abs(hashtext('t' || siret)) % 300) / 100.0 from gen_etab;

insert into dsn_fichier (sha256, chemin, octets, declarations) values ('synthetique-' || :premier, 'généré', 0, 1)
on conflict do nothing;
insert into dsn_declaration (fichier_sha256, ligne, empreinte, nature, type, statut, motif)
values ('synthetique-' || :premier, 1, 'synthetique-' || :premier, '01', '01', 'retenue', 'faits consolidés générés');

insert into dsn_fait_mensuel (declaration_id, siren, siret, mois, masse_salariale, effectif, heures)
select (select max(id) from dsn_declaration where empreinte = 'synthetique-' || :premier), g.siren, g.siret, m.mois,
       round(g.effectif * 2600 * m.mois_couverts * (1 + (abs(hashtext(g.siret || m.mois)) % 20) / 100.0), 2),
       case when m.mois_couverts = 1 then g.effectif end,
       round(g.effectif * 151.67 * m.mois_couverts, 2)
from gen_etab g
cross join lateral (
  select make_date(:annee - 4, 1, 1) as mois, 12 as mois_couverts
  union all select make_date(:annee - 3, 1, 1), 12
  union all select make_date(:annee - 2, x, 1), 1 from generate_series(1, 12) x
) m;

create temporary table gen_sin on commit drop as
select 'S' || g.siret || '-' || n as sinistre_id, 1 as numero, make_date(:annee - 1, 6, 1) as date_extraction, g.siret, g.siren,
       case when n % 7 = 0 then 'TRAJET' when n % 11 = 0 then 'MP' else 'AT' end as nature,
       make_date(:annee - 4 + n % 3, 1 + n % 12, 1 + n % 28) as date_accident, :annee - 4 + n % 3 as annee_imputation,
       j.jours as jours_arret, j.ip as taux_ip, false as deces,
       case when j.jours < 4 then 'IT1' when j.jours <= 15 then 'IT2' when j.jours <= 45 then 'IT3'
            when j.jours <= 90 then 'IT4' when j.jours <= 150 then 'IT5' else 'IT6' end as categorie_it, true as it_fige,
       case when j.ip = 0 then null when j.ip < 10 then 'IP1' when j.ip < 20 then 'IP2' when j.ip < 40 then 'IP3' else 'IP4' end as categorie_ip,
       j.ip > 0 as ip_fige, case when j.ip > 0 then :annee - 4 + n % 3 end as annee_ip, 'généré' as fichier, 0 as ligne
from gen_etab g
cross join lateral generate_series(1, (abs(hashtext('n' || g.siret)) % (1 + ceil(g.effectif / 8)::int))) n
cross join lateral (select abs(hashtext('j' || g.siret || n)) % 200 as jours,
                           case when abs(hashtext('p' || g.siret || n)) % 10 = 0 then abs(hashtext('q' || g.siret || n)) % 45 else 0 end as ip) j;

insert into sinistre (sinistre_id, siret, siren, version_courante)
select sinistre_id, siret, siren, 1 from gen_sin;

insert into sinistre_version (sinistre_id, numero, date_extraction, siret, siren, nature, date_accident, annee_imputation,
                              jours_arret, taux_ip, deces, categorie_it, it_fige, categorie_ip, ip_fige, annee_ip, fichier, ligne)
select * from gen_sin;
