-- Next batch of companies (SIREN) to rate, in SIREN order after the checkpoint (keyset pagination).
-- :apres  last SIREN already rated ('' to start)   :limite  batch size
select distinct s.siren
from etablissement_section s
where s.siren > :apres
order by s.siren
limit :limite
