/**
 * SIREN / SIRET identifiers (INSEE): 9 and 14 digits with a Luhn key. La Poste (SIREN 356000000) numbers its
 * establishments so that the digit sum of the SIRET is a multiple of 5 instead.
 */
export const SIREN_LA_POSTE = '356000000';

export function luhnValide(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

export function sirenValide(siren: string): boolean {
  return /^\d{9}$/.test(siren) && luhnValide(siren);
}

export function siretValide(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith(SIREN_LA_POSTE) && siret !== `${SIREN_LA_POSTE}00048`) {
    let s = 0;
    for (const c of siret) s += c.charCodeAt(0) - 48;
    return s % 5 === 0;
  }
  return luhnValide(siret);
}

/** Why a SIRET is refused, or undefined when it is valid. */
export function problemeSiret(siret: string): string | undefined {
  if (!/^\d{14}$/.test(siret)) return `SIRET "${siret}" : 14 chiffres attendus`;
  if (!siretValide(siret)) return `SIRET ${siret} : clé de contrôle (Luhn) invalide`;
  return undefined;
}

export function problemeSiren(siren: string): string | undefined {
  if (!/^\d{9}$/.test(siren)) return `SIREN "${siren}" : 9 chiffres attendus`;
  if (!sirenValide(siren)) return `SIREN ${siren} : clé de contrôle (Luhn) invalide`;
  return undefined;
}

/** Appends the Luhn key to a number (to build valid identifiers in generators and tests). */
export function avecCleLuhn(prefix: string): string {
  for (let k = 0; k <= 9; k++) if (luhnValide(prefix + k)) return prefix + k;
  throw new Error('cas impossible');
}
