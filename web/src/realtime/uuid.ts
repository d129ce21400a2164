/**
 * A v7 UUID for outbox clientIds: 48 bits of milliseconds, then random bits. Time-ordered keys
 * keep one sender's sends next to each other in the server's `(author, clientId)` index (the
 * idempotency check), where random (v4) keys would touch a different page of it on every send.
 * `crypto.getRandomValues` exists outside secure contexts too (a self-hosted server on plain
 * HTTP in a LAN).
 */
export function newClientId(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
