-- Indexes of the campaign's batch queries (sql/campagne/*.sql filter on siren = any(:sirens)): without them each
-- batch scans whole tables and a campaign grows quadratically with the region.
create index if not exists etablissement_section_siren on etablissement_section (siren);
create index if not exists etablissement_siren on etablissement (siren);
create index if not exists taux_notifie_siren on taux_notifie (siren, annee);
create index if not exists sinistre_version_siren on sinistre_version (siren);
create index if not exists sinistre_version_siren_utilisateur on sinistre_version ((substr(siret_utilisateur, 1, 9)));
create index if not exists campagne_taux_taux_precedent on campagne_taux (annee, siren) where statut = 'calcule';
