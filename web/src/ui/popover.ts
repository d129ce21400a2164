import { useEffect, type RefObject } from 'react';

/**
 * Closes an open popover on a press outside it (and outside its trigger, which toggles it
 * itself) and moves focus to its first button when it opens.
 */
export function usePopover(open: boolean, panel: RefObject<HTMLElement | null>, trigger: RefObject<HTMLElement | null>, close: () => void): void {
  useEffect(() => {
    if (!open) return undefined;
    panel.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onPress = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !trigger.current?.contains(target)) close();
    };
    document.addEventListener('mousedown', onPress);
    return () => document.removeEventListener('mousedown', onPress);
  }, [open, panel, trigger, close]);
}
