/**
 * Fast path for nodemailer 10.6.0 (the version the lockfile pins; any other leaves nodemailer as shipped): its
 * SMTP DATA stream (smtp-connection/data-stream.js) walks every byte of every message in JavaScript to turn bare CR
 * or LF into CRLF and to double a dot opening a line. mime.ts composes messages that need none of that (CRLF line
 * ends only, base64 and header lines never start with a dot), and for such a chunk the walk changes nothing: it is
 * recognised here with one regular expression over the chunk (~30 µs for a 78 KB message instead of ~200 µs) and
 * passed on as is, with the same counters. Any chunk that might need a change, or might depend on the next one (a
 * CR at its end), goes through nodemailer's own walk.
 */
import { createRequire } from 'node:module';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';

const require = createRequire(import.meta.url);
const VERSION = '10.6.0';

/** A bare CR (or one ending the chunk), a bare LF (or one starting it), or a dot after a line end. */
const A_TRANSFORMER = /\r(?!\n)|(?<!\r)\n|\n\./;

interface FluxDonnees {
  lastByte: number | false;
  inByteCount: number;
  outByteCount: number;
  push(b: Buffer): void;
}

let installe = false;

/** Installs the fast path once; returns whether it is in place (the pinned nodemailer is there). */
export function accelererSmtp(): boolean {
  if (installe) return true;
  if ((require('nodemailer/package.json') as { version: string }).version !== VERSION) return false;
  const proto = (DataStream as unknown as { prototype: { _transform(this: FluxDonnees, c: unknown, e: string, done: () => void): void } }).prototype;
  const transform = proto._transform;
  proto._transform = function (chunk: unknown, encoding: string, done: () => void) {
    if (!Buffer.isBuffer(chunk) || !chunk.length) return transform.call(this, chunk, encoding, done);
    // the first byte against the last one of the previous chunk, as nodemailer's walk does
    const avant = this.lastByte;
    const b = chunk[0];
    if ((avant === 0x0d && b !== 0x0a) || (b === 0x0a && avant !== 0x0d) || (b === 0x2e && (avant === 0x0a || avant === false))) {
      return transform.call(this, chunk, encoding, done);
    }
    if (A_TRANSFORMER.test(chunk.toString('latin1'))) return transform.call(this, chunk, encoding, done);
    this.inByteCount += chunk.length;
    this.outByteCount += chunk.length;
    this.push(chunk);
    this.lastByte = chunk[chunk.length - 1];
    done();
  };
  installe = true;
  return true;
}
