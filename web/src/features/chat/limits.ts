/** The server's limit on a message's text, in characters (`SendBody.body`: 1-5000). */
export const MAX_MESSAGE_CHARS = 5000;
/** The counter shows from this many characters on. */
export const COUNTER_FROM = 4500;

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export function charCount(text: string): number {
  return Array.from(text).length;
}

export interface LengthState {
  count: number;
  /** Show the counter. */
  near: boolean;
  /** Over the limit: sending is refused. */
  over: boolean;
  /** Characters left (negative when over). */
  left: number;
}

export function lengthState(text: string, max = MAX_MESSAGE_CHARS, from = COUNTER_FROM): LengthState {
  const count = charCount(text);
  return { count, near: count >= from, over: count > max, left: max - count };
}

/** The name of a long text sent as a file: `message-2026-03-05-1412.txt` (local time). */
export function textFileName(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `message-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}.txt`;
}
