/**
 * New establishment, CSS D.242-6-17: collective rate in the year of creation and the two following calendar
 * years, unless the company has a taux unique for that risk (then the taux unique).
 */
export function collectifNouvelEtablissement(annee: number, dateCreation: string | undefined, tauxUnique: boolean): boolean {
  if (!dateCreation || tauxUnique) return false;
  const anneeCreation = Number(dateCreation.slice(0, 4));
  return annee <= anneeCreation + 2;
}
