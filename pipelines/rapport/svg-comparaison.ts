/**
 * A grouped bar chart as a plain SVG string (the campaign report's style, pipelines/rapport/svg.ts): per group two
 * bars, the region and the nation, with their values above; a withheld or missing value draws no bar and says why.
 * Values arrive as decimal strings, shown with one decimal in French; only the drawing uses floats.
 */
import { nombre } from '../../templates/format.ts';

export interface GroupeCompare {
  libelle: string;
  /** tooltip of the group */
  titre?: string;
  region: string | null;
  nation: string | null;
  /** shown instead of a missing regional value (e.g. "secret") */
  absenceRegion?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function barresComparees(groupes: GroupeCompare[], opts: { titre: string; legendeRegion: string; legendeNation: string; largeur?: number; hauteur?: number }): string {
  const largeur = opts.largeur ?? 900;
  const hauteur = opts.hauteur ?? 300;
  const marge = { haut: 52, bas: 40, gauche: 16, droite: 16 };
  const couleurs = { region: '#2f5597', nation: '#a5a5a5' };
  const valeurs = groupes.flatMap((g) => [g.region, g.nation]).filter((v): v is string => v !== null).map(Number);
  const max = Math.max(1, ...valeurs);
  const pas = (largeur - marge.gauche - marge.droite) / Math.max(1, groupes.length);
  const utile = hauteur - marge.haut - marge.bas;
  const barre = (v: string | null, x: number, w: number, couleur: string, quoi: string, libelle: string, absence: string) => {
    if (v === null) {
      return `<text x="${(x + w / 2).toFixed(1)}" y="${(marge.haut + utile - 4).toFixed(1)}" text-anchor="middle" font-size="9" fill="#888">${esc(absence)}</text>`;
    }
    const h = (Number(v) / max) * utile;
    const y = marge.haut + utile - h;
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${couleur}"><title>${esc(libelle)} — ${quoi} : ${nombre(v, 1)}</title></rect>` +
      `<text x="${(x + w / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${nombre(v, 1)}</text>`
    );
  };
  const corps = groupes
    .map((g, i) => {
      const x0 = marge.gauche + i * pas + pas * 0.1;
      const w = pas * 0.38;
      return (
        barre(g.region, x0, w, couleurs.region, 'région', g.titre ?? g.libelle, g.absenceRegion ?? '—') +
        barre(g.nation, x0 + w + pas * 0.04, w, couleurs.nation, 'nation', g.titre ?? g.libelle, '—') +
        `<text x="${(marge.gauche + i * pas + pas / 2).toFixed(1)}" y="${(hauteur - marge.bas + 16).toFixed(1)}" text-anchor="middle" font-size="12" fill="#444">${esc(g.libelle)}<title>${esc(g.titre ?? g.libelle)}</title></text>`
      );
    })
    .join('');
  const legende =
    `<rect x="${largeur - 300}" y="28" width="12" height="12" fill="${couleurs.region}"/><text x="${largeur - 284}" y="38" font-size="11" fill="#222">${esc(opts.legendeRegion)}</text>` +
    `<rect x="${largeur - 150}" y="28" width="12" height="12" fill="${couleurs.nation}"/><text x="${largeur - 134}" y="38" font-size="11" fill="#222">${esc(opts.legendeNation)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${largeur} ${hauteur}" width="${largeur}" height="${hauteur}" role="img" aria-label="${esc(opts.titre)}" font-family="Helvetica, Arial, sans-serif">` +
    `<text x="${marge.gauche}" y="20" font-size="14" font-weight="bold" fill="#1f3864">${esc(opts.titre)}</text>` +
    legende +
    `<line x1="${marge.gauche}" y1="${marge.haut + utile}" x2="${largeur - marge.droite}" y2="${marge.haut + utile}" stroke="#999" stroke-width="1"/>` +
    corps +
    `</svg>`
  );
}
