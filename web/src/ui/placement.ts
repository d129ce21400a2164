/** A box in viewport coordinates (a DOMRect's fields). */
export interface Box {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface Placement {
  top: number;
  left: number;
  /** Whether it opened below the anchor or above it. */
  side: 'below' | 'above';
}

/**
 * Where to put a popover of `size` next to `anchor` so it stays inside the viewport: below the
 * anchor, right edges aligned, when it fits; above when it fits there better; shifted
 * sideways and clamped to the margins otherwise.
 */
export function placePopover(anchor: Box, size: { width: number; height: number }, viewport: { width: number; height: number }, margin = 8, gap = 4): Placement {
  const below = anchor.top + anchor.height + gap;
  const spaceBelow = viewport.height - margin - below;
  const spaceAbove = anchor.top - gap - margin;
  const side = size.height <= spaceBelow || spaceBelow >= spaceAbove ? 'below' : 'above';
  let top = side === 'below' ? below : anchor.top - gap - size.height;
  top = Math.max(margin, Math.min(top, viewport.height - margin - size.height));
  let left = anchor.left + anchor.width - size.width;
  left = Math.max(margin, Math.min(left, viewport.width - margin - size.width));
  return { top: Math.round(top), left: Math.round(left), side };
}
