/** piscina task: one notification's data in, its PDF bytes out (transferred, not copied). */
import { Piscina } from 'piscina';
import { rendreNotification } from './rendu.ts';
import type { DonneesNotification } from '../../templates/notification.ts';

export async function rendreTache(d: DonneesNotification) {
  const pdf = await rendreNotification(d);
  const u8 = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  // a Buffer may share a pooled ArrayBuffer: copy into an own one before transferring it
  const own = u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8 : u8.slice();
  return Piscina.move(own);
}
