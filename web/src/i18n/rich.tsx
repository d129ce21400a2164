import { Fragment, type ReactNode } from 'react';
import { t, type MessageKey } from './index';

/** `t` for a sentence with elements in it (a name in bold, a link): each `{name}` becomes
 * `parts[name]`, so translators keep the whole sentence and its word order. */
export function rich(key: MessageKey, parts: Record<string, ReactNode>): ReactNode {
  return t(key)
    .split(/\{(\w+)\}/)
    .map((piece, i) => <Fragment key={i}>{i % 2 === 1 ? (parts[piece] ?? `{${piece}}`) : piece}</Fragment>);
}
