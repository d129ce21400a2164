// The shape every language's catalogue has: the English one (en.ts) is the source of the
// keys; another language must give every key, with a plural message where English has one.

/** A message that depends on a count (`{count}`), one form per plural category. */
export interface Plural {
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  /** Required: the form used for any category the language leaves out. */
  other: string;
}

export type Message = string | Plural;

/** A catalogue with the same keys as `source`: strings where it has strings, plurals where it has plurals. */
export type CatalogueOf<Source extends Record<string, Message>> = { [K in keyof Source]: Source[K] extends string ? string : Plural };
