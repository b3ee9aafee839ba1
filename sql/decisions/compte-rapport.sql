-- Decisions taken after the campaign on the rates of year :annee, by kind (the campaign report's counts).
select count(*) filter (where nature = 'rectification')::int as rectifications,
       count(*) filter (where nature in ('ristourne', 'ristourne_trajet'))::int as ristournes,
       count(*) filter (where nature = 'cotisation_supplementaire')::int as cotisations_supplementaires,
       count(*) filter (where nature in ('creation', 'reclassement'))::int as en_cours_annee
from decision_taux
where annee = :annee and nature <> 'campagne'
