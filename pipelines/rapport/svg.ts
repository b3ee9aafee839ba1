/**
 * Charts of the campaign report as plain SVG strings: no script, no network, readable in any browser and
 * embeddable in the PDF. Values arrive as decimal strings or integers; only the drawing uses floats.
 */
export interface Barre {
  libelle: string;
  valeur: number;
  couleur?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fr = (n: number) => String(n).replace('.', ',');

/** Vertical bars with their value above and their label below. */
export function barres(donnees: Barre[], opts: { titre: string; largeur?: number; hauteur?: number; unite?: string } ): string {
  const largeur = opts.largeur ?? 640;
  const hauteur = opts.hauteur ?? 260;
  const marge = { haut: 36, bas: 44, gauche: 16, droite: 16 };
  const max = Math.max(1, ...donnees.map((d) => d.valeur));
  const pas = (largeur - marge.gauche - marge.droite) / Math.max(1, donnees.length);
  const utile = hauteur - marge.haut - marge.bas;
  const barresSvg = donnees
    .map((d, i) => {
      const h = (d.valeur / max) * utile;
      const x = marge.gauche + i * pas + pas * 0.12;
      const y = marge.haut + utile - h;
      const w = pas * 0.76;
      return [
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${d.couleur ?? '#2f5597'}"><title>${esc(d.libelle)} : ${fr(d.valeur)}</title></rect>`,
        `<text x="${(x + w / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#222">${fr(d.valeur)}${opts.unite ?? ''}</text>`,
        `<text x="${(x + w / 2).toFixed(1)}" y="${(hauteur - marge.bas + 16).toFixed(1)}" text-anchor="middle" font-size="${donnees.length > 12 ? 9 : 11}" fill="#444">${esc(d.libelle)}</text>`,
      ].join('');
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${largeur} ${hauteur}" width="${largeur}" height="${hauteur}" role="img" aria-label="${esc(opts.titre)}" font-family="Helvetica, Arial, sans-serif">` +
    `<text x="${marge.gauche}" y="20" font-size="14" font-weight="bold" fill="#1f3864">${esc(opts.titre)}</text>` +
    `<line x1="${marge.gauche}" y1="${marge.haut + utile}" x2="${largeur - marge.droite}" y2="${marge.haut + utile}" stroke="#999" stroke-width="1"/>` +
    barresSvg +
    `</svg>`
  );
}
