/** A seeded pseudo-random generator (mulberry32): the same seed gives the same region, byte for byte. */
export class Hasard {
  private etat: number;
  constructor(graine: number) {
    this.etat = graine >>> 0 || 0x9e3779b9;
  }
  /** uniform in [0, 1) */
  suivant(): number {
    let t = (this.etat = (this.etat + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  entier(min: number, max: number): number {
    return min + Math.floor(this.suivant() * (max - min + 1));
  }
  choix<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.suivant() * xs.length)];
  }
  vrai(probabilite: number): boolean {
    return this.suivant() < probabilite;
  }
  /** Poisson-distributed count (Knuth), for small means */
  poisson(moyenne: number): number {
    const l = Math.exp(-moyenne);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.suivant();
    } while (p > l && k < 1000);
    return k - 1;
  }
}
