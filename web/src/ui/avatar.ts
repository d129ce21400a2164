/** A stable hue (0..359) for a person, from their id: the same colour on every page and device. */
export function avatarHue(id: string): number {
  // FNV-1a over the UTF-16 code units.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 360;
}

/** The avatar URL for a pixel size: the server has 64 and 256; others pick the closest larger. */
export function avatarSrc(url: string, px: number): string {
  const size = px <= 64 ? 64 : 256;
  if (/[?&]size=/.test(url)) return url.replace(/([?&]size=)\d+/, `$1${size}`);
  return `${url}${url.includes('?') ? '&' : '?'}size=${size}`;
}
