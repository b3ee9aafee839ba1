-- Number of establishment sections to rate.
select count(*)::integer as n from etablissement_section
