/**
 * Generator of synthetic, well-formed NEODeS files (mensuelle) for tests and the benchmark. The S90 counts are
 * computed as the norm defines them [norme] CT2025.1.3 p.355. Every personal value is fake.
 */
export interface ContratSpec {
  debut: string; // JJMMAAAA
  fin?: string; // JJMMAAAA, block 62 (actual end)
  numero?: string;
  nature?: string; // 40.007
  dispositif?: string; // 40.008
  unite?: string; // 40.011
  reference?: string; // 40.012
  quotite?: string; // 40.013
  modalite?: string; // 40.014
  motif?: string; // 40.021
  regime?: string; // 40.039
  codeRisque?: string; // 40.040
  taux?: string; // 40.043
}

export interface BaseSpec {
  debut: string; // JJMMAAAA, 78.002
  fin?: string; // 78.003
  montant: string;
  code?: string; // 78.001, default 03
  contrat?: string; // 78.006
}

export interface IndividuSpec {
  nir?: string;
  nom?: string;
  contrats: ContratSpec[];
  bases?: BaseSpec[];
  heures?: string; // 53 type 01 unit 10 under 51 type 002
  periode?: string; // 51.001, JJMMAAAA
}

export interface DeclarationSpec {
  siren: string;
  nic: string;
  apet?: string;
  mois: string; // MMAAAA
  nature?: string;
  type?: string;
  fraction?: string;
  numero?: string;
  constitution?: string; // JJMMAAAA
  adresse?: string;
  individus?: IndividuSpec[];
}

export interface EnvoiSpec {
  test?: boolean;
  declarations: DeclarationSpec[];
}

const r = (id: string, v: string) => `${id},'${v}'`;

export function lignesEnvoi(e: EnvoiSpec): string[] {
  const L: string[] = [
    r('S10.G00.00.001', 'ATMP-SYNTH'),
    r('S10.G00.00.002', 'ATMP'),
    r('S10.G00.00.003', '1.0'),
    r('S10.G00.00.005', e.test ? '01' : '02'),
    r('S10.G00.00.006', 'P25V01'),
    r('S10.G00.00.008', '01'),
    r('S10.G00.01.001', '552100554'),
    r('S10.G00.01.002', '00011'),
    r('S10.G00.01.003', "L'ÉDITEUR DE PAIE"),
  ];
  for (const d of e.declarations) {
    const moisPrincipal = `01${d.mois}`;
    L.push(
      r('S20.G00.05.001', d.nature ?? '01'),
      r('S20.G00.05.002', d.type ?? '01'),
      r('S20.G00.05.003', d.fraction ?? '11'),
      r('S20.G00.05.004', d.numero ?? '0'),
      r('S20.G00.05.005', moisPrincipal),
      r('S20.G00.05.007', d.constitution ?? `05${nextMonth(d.mois)}`),
      r('S21.G00.06.001', d.siren),
      r('S21.G00.06.002', d.nic),
      r('S21.G00.06.003', d.apet ?? '4321A'),
      r('S21.G00.11.001', d.nic),
      r('S21.G00.11.002', d.apet ?? '4321A'),
      r('S21.G00.11.003', d.adresse ?? "1 RUE DE L'ÉGLISE"),
    );
    let i = 0;
    for (const ind of d.individus ?? []) {
      i++;
      L.push(r('S21.G00.30.001', ind.nir ?? `1800175${String(100000 + i).slice(-6)}`), r('S21.G00.30.002', ind.nom ?? "D'ARTAGNAN"), r('S21.G00.30.004', 'JEAN'));
      let k = 0;
      for (const c of ind.contrats) {
        k++;
        L.push(
          r('S21.G00.40.001', c.debut),
          r('S21.G00.40.007', c.nature ?? '01'),
          r('S21.G00.40.008', c.dispositif ?? '99'),
          r('S21.G00.40.009', c.numero ?? String(k).padStart(5, '0')),
          r('S21.G00.40.011', c.unite ?? '10'),
          r('S21.G00.40.012', c.reference ?? '151.67'),
          r('S21.G00.40.013', c.quotite ?? c.reference ?? '151.67'),
          r('S21.G00.40.014', c.modalite ?? '10'),
        );
        if (c.motif) L.push(r('S21.G00.40.021', c.motif));
        L.push(r('S21.G00.40.039', c.regime ?? '200'));
        if ((c.codeRisque ?? '741GB') !== '') L.push(r('S21.G00.40.040', c.codeRisque ?? '741GB'));
        if ((c.taux ?? '00.90') !== '') L.push(r('S21.G00.40.043', c.taux ?? '00.90'));
        L.push(r('S21.G00.71.002', 'RUAA'));
        if (c.fin) L.push(r('S21.G00.62.001', c.fin), r('S21.G00.62.002', '031'));
      }
      const periode = ind.periode ?? moisPrincipal;
      const fin = lastDay(periode);
      L.push(r('S21.G00.50.001', `28${d.mois}`), r('S21.G00.50.002', '1000.00'));
      L.push(r('S21.G00.51.001', periode), r('S21.G00.51.002', fin), r('S21.G00.51.011', '001'), r('S21.G00.51.013', '1000.00'));
      L.push(r('S21.G00.51.001', periode), r('S21.G00.51.002', fin), r('S21.G00.51.011', '002'), r('S21.G00.51.013', '1000.00'));
      if (ind.heures !== undefined) L.push(r('S21.G00.53.001', '01'), r('S21.G00.53.002', ind.heures), r('S21.G00.53.003', '10'));
      for (const b of ind.bases ?? []) {
        L.push(r('S21.G00.78.001', b.code ?? '03'), r('S21.G00.78.002', b.debut), r('S21.G00.78.003', b.fin ?? lastDay(b.debut)), r('S21.G00.78.004', b.montant));
        if (b.contrat) L.push(r('S21.G00.78.006', b.contrat));
        L.push(r('S21.G00.81.001', '045'), r('S21.G00.81.003', b.montant), r('S21.G00.81.004', '9.00'));
      }
    }
  }
  L.push(r('S90.G00.90.001', String(L.length + 2)), r('S90.G00.90.002', String(e.declarations.length)));
  return L;
}

/** A whole file: envois one after the other; LF by default, CRLF on request. */
export function texteDsn(envois: EnvoiSpec[], opts: { crlf?: boolean } = {}): string {
  const eol = opts.crlf ? '\r\n' : '\n';
  return envois.flatMap(lignesEnvoi).join(eol) + eol;
}

function lastDay(jjmmaaaa: string): string {
  const m = +jjmmaaaa.slice(2, 4);
  const a = +jjmmaaaa.slice(4, 8);
  return `${new Date(Date.UTC(a, m, 0)).getUTCDate()}${jjmmaaaa.slice(2)}`;
}

function nextMonth(mmaaaa: string): string {
  const m = +mmaaaa.slice(0, 2);
  const a = +mmaaaa.slice(2);
  return m === 12 ? `01${a + 1}` : `${String(m + 1).padStart(2, '0')}${a}`;
}
