-- Employers' référentiel (groupes, entreprises, établissements, sections, notified rates) and the sinistres
-- charged by the CPAM, versioned per extract. Formats: pipelines/ingest-referentiel/README.md.

create table referentiel_import (
  id          bigserial primary key,
  type        text not null check (type in ('groupes', 'entreprises', 'etablissements', 'taux_notifies', 'sinistres')),
  fichier     text not null,
  sha256      text not null,
  lignes      integer not null,
  importe_le  timestamptz not null default now()
);

create table groupe (
  groupe_id             text primary key,
  nom                   text not null,
  siren_tete            text not null check (siren_tete ~ '^\d{9}$'),
  email_notification    text,
  -- one grouped notification for all the companies of the group, sent to the head
  notification_groupee  boolean not null default false,
  import_id             bigint references referentiel_import (id),
  modifie_le            timestamptz not null default now()
);

create table entreprise (
  siren                        text primary key check (siren ~ '^\d{9}$'),
  raison_sociale               text not null,
  siret_siege                  text check (siret_siege ~ '^\d{14}$'),
  groupe_id                    text references groupe (groupe_id),
  adresse                      text,
  code_postal                  text,
  commune                      text,
  email_notification           text,
  notification_dematerialisee  boolean not null default false,
  import_id                    bigint references referentiel_import (id),
  modifie_le                   timestamptz not null default now()
);

-- No foreign key to entreprise: an establishment seen in the DSN before the référentiel knows its company is
-- created provisionally (origine 'dsn', a_revoir) and completed once the référentiel is imported.
create table etablissement (
  siret               text primary key check (siret ~ '^\d{14}$'),
  siren               text not null check (siren ~ '^\d{9}$' and siret like siren || '%'),
  nom                 text,
  adresse             text,
  code_postal         text,
  commune             text,
  -- departments 57, 67, 68 (CSS D.242-30 and following)
  alsace_moselle      boolean not null default false,
  date_creation       date,
  -- date of the company's taux unique option for this establishment's risk (CSS D.242-6-1), null: none
  option_taux_unique  date,
  apet                text,
  -- code risque as read in the DSN (S21.G00.40.040), kept for the review of provisional establishments
  code_risque_dsn     text,
  origine             text not null check (origine in ('referentiel', 'dsn')),
  a_revoir            boolean not null default false,
  motif_revue         text,
  import_id           bigint references referentiel_import (id),
  cree_le             timestamptz not null default now(),
  modifie_le          timestamptz not null default now()
);

-- The establishment's risk sections: its main activity, an FSNA section (00.00B / 00.00A) or a former bureau
-- section. One notified rate per SIRET × code risque.
create table etablissement_section (
  siret        text not null references etablissement (siret) on delete cascade,
  siren        text not null,
  code_risque  text not null references code_risque (code_risque),
  section      text not null check (section in ('principale', 'fsna', 'bureau')),
  date_debut   date,
  origine      text not null check (origine in ('referentiel', 'dsn')),
  primary key (siret, code_risque, section)
);

create table taux_notifie (
  siret        text not null references etablissement (siret) on delete cascade,
  siren        text not null,
  code_risque  text not null references code_risque (code_risque),
  annee        integer not null check (annee between 1990 and 2100),
  taux         numeric not null check (taux >= 0 and taux < 100),
  import_id    bigint references referentiel_import (id),
  primary key (siret, code_risque, annee)
);

create table sinistre (
  sinistre_id       text primary key,
  siret             text not null,
  siren             text not null,
  -- numero of the current version (the latest extract)
  version_courante  integer not null,
  cree_le           timestamptz not null default now(),
  modifie_le        timestamptz not null default now()
);

-- One row per sinistre and extract; never updated nor deleted: the history of every claim.
create table sinistre_version (
  id                    bigserial primary key,
  sinistre_id           text not null references sinistre (sinistre_id),
  numero                integer not null,
  date_extraction       date not null,
  siret                 text not null check (siret ~ '^\d{14}$'),
  siren                 text not null check (siren ~ '^\d{9}$'),
  nature                text not null check (nature in ('AT', 'TRAJET', 'MP')),
  -- accident date, or first medical finding of the disease (MP)
  date_accident         date not null,
  date_declaration      date,
  date_reconnaissance   date,
  annee_imputation      integer not null,
  jours_arret           integer check (jours_arret >= 0),
  taux_ip               numeric check (taux_ip >= 0 and taux_ip <= 100),
  date_notification_ip  date,
  deces                 boolean not null default false,
  compte_special        boolean not null default false,
  inopposable           boolean not null default false,
  date_inopposabilite   date,
  -- third party's share of liability (recours contre tiers), 0..1
  part_tiers            numeric not null default 0 check (part_tiers >= 0 and part_tiers <= 1),
  -- temp worker: the user establishment (entreprise utilisatrice) and whether it is in sauvegarde,
  -- redressement or liquidation (then everything stays with the ETT, CSS R.242-6-1)
  siret_utilisateur     text check (siret_utilisateur ~ '^\d{14}$'),
  utilisateur_procedure_collective boolean not null default false,
  -- categories as fixed by CSS D.242-6-7 at the time of this extract
  categorie_it          text check (categorie_it in ('IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6')),
  it_fige               boolean not null default false,
  categorie_ip          text check (categorie_ip in ('IP1', 'IP2', 'IP3', 'IP4')),
  ip_fige               boolean not null default false,
  annee_ip              integer,
  import_id             bigint references referentiel_import (id),
  fichier               text not null,
  ligne                 integer not null,
  charge_le             timestamptz not null default now(),
  unique (sinistre_id, numero)
);
create index sinistre_version_siret on sinistre_version (siret);
create index sinistre_version_siret_utilisateur on sinistre_version (siret_utilisateur) where siret_utilisateur is not null;

-- What each establishment is charged with, from the current version of every sinistre (CSS D.242-6-4 to -7,
-- R.242-6-1). Excluded: trajet (D.242-6-4), compte spécial (D.242-6-5, -7), inopposable (removed).
-- part_it / part_ip: the fraction of the coût moyen charged, × (1 − third party share) (D.242-6-7); part_ip is
-- null when the sinistre has no IP category.
-- Temp worker with IP >= 10 % or death (categories IP2–IP4): one third to the user establishment (R.242-6-1);
-- the other two thirds stay with the ETT [à vérifier, docs/regles.md]; nothing to the user
-- establishment when it is in a collective procedure. When the user establishment is rated collectif, its third
-- goes to the collective statistics (R.242-6-1): the view cannot know the mode, the campaign decides.
-- The third is charged at the user establishment's CTN coût moyen (R.242-6-1): the campaign's concern too.
-- Claims whose occupational nature is not recognised are expected not to appear in the CPAM extract of charged
-- claims (D.242-6-4) [à vérifier: no filter on date_reconnaissance here]. The campaign consolidates from this view.
-- `not materialized`: a filter on the view (siren = any(…), per campaign batch) reaches both branches and their
-- indexes instead of scanning every sinistre.
create view sinistre_impute as
with courante as not materialized (
  select v.*, (1 - v.part_tiers) as facteur_tiers,
         (v.siret_utilisateur is not null and not v.utilisateur_procedure_collective
          and v.categorie_ip in ('IP2', 'IP3', 'IP4')) as partage_interim
  from sinistre_version v
  -- the current version, looked up per row through sinistre's primary key (a join would scan every sinistre)
  where v.numero = (select s.version_courante from sinistre s where s.sinistre_id = v.sinistre_id)
    and v.nature <> 'TRAJET' and not v.compte_special and not v.inopposable
)
select sinistre_id, numero as version, 'employeur'::text as imputation, siret, siren, nature,
       annee_imputation as annee, categorie_it, facteur_tiers as part_it,
       coalesce(annee_ip, annee_imputation) as annee_ip, categorie_ip,
       case when categorie_ip is null then null
            when partage_interim then facteur_tiers * 2 / 3 else facteur_tiers end as part_ip
from courante
union all
select sinistre_id, numero, 'utilisateur'::text, siret_utilisateur, substr(siret_utilisateur, 1, 9), nature,
       annee_imputation, null::text, 0::numeric,
       coalesce(annee_ip, annee_imputation), categorie_ip, facteur_tiers / 3
from courante
where partage_interim;
