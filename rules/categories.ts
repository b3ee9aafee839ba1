/** Categories of incapacity, CSS D.242-6-6. */
import type { Decimal } from './decimal.ts';
import type { CategorieIP, CategorieIT } from './bareme.ts';

/** CSS D.242-6-6: IT by days of arrêt prescribed: IT1 none or < 4, IT2 4–15, IT3 16–45, IT4 46–90, IT5 91–150, IT6 > 150. */
export function categorieIT(joursArret: number): CategorieIT {
  if (joursArret < 4) return 'IT1';
  if (joursArret <= 15) return 'IT2';
  if (joursArret <= 45) return 'IT3';
  if (joursArret <= 90) return 'IT4';
  if (joursArret <= 150) return 'IT5';
  return 'IT6';
}

/** CSS D.242-6-6: IP by rate t: IP1 t < 10 %, IP2 10–19 %, IP3 20–39 %, IP4 ≥ 40 % or death. */
export function categorieIP(tauxIp: Decimal, deces: boolean): CategorieIP {
  if (deces || tauxIp.gte(40)) return 'IP4';
  if (tauxIp.gte(20)) return 'IP3';
  if (tauxIp.gte(10)) return 'IP2';
  return 'IP1';
}
