/**
 * Buffer.prototype.latin1Write exists in every Node.js we support (it backs
 * buf.write(s, 'latin1')) but is missing from the typings. Calling it directly
 * skips the encoding dispatch on the reply hot path; V8 inlines this wrapper.
 */
type Latin1Writer = { latin1Write(s: string, offset: number): number };

export function writeLatin1(buf: Buffer, s: string, offset: number): number {
  return (buf as unknown as Latin1Writer).latin1Write(s, offset);
}

type Latin1Reader = { latin1Slice(start: number, end: number): string };

/** buf.toString('latin1', start, end) without the argument checks and encoding dispatch. */
export function readLatin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Reader).latin1Slice(start, end);
}
