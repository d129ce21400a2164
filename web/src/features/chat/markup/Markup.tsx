import { Fragment, memo, useEffect, useMemo, useState, type ReactNode } from 'react';
import { reportError } from '../../../ui/monitoring';
import { parse, type Block } from './blocks';
import type { Inline } from './inline';

/** What every link in a message carries: a new tab, no opener, no referrer, no endorsement. */
export const LINK_REL = 'noopener noreferrer nofollow';

/**
 * A message body rendered as the formatting subset (docs/api.md), built as React elements from
 * our own parse: text is only ever text, links only http, https and mailto.
 */
export const Markup = memo(function Markup({ body, myHandle }: { body: string; myHandle?: string }) {
  const blocks = useMemo(() => parse(body), [body]);
  return <>{renderBlocks(blocks, false, myHandle?.toLowerCase())}</>;
});

function renderBlocks(blocks: Block[], inItem: boolean, me: string | undefined): ReactNode[] {
  return blocks.map((block, i) => {
    switch (block.t) {
      case 'p':
        // A list item's first paragraph sits in the <li> itself (a tight list).
        return inItem && i === 0 ? <Fragment key={i}>{renderInlines(block.children, me)}</Fragment> : <p key={i}>{renderInlines(block.children, me)}</p>;
      case 'pre':
        return <CodeBlock key={i} language={block.lang} code={block.text} />;
      case 'quote':
        return <blockquote key={i}>{renderBlocks(block.children, false, me)}</blockquote>;
      case 'list': {
        const items = block.items.map((item, j) => <li key={j}>{renderBlocks(item, true, me)}</li>);
        return block.ordered ? (
          <ol key={i} start={block.start === 1 ? undefined : block.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
    }
  });
}

function renderInlines(inlines: Inline[], me: string | undefined): ReactNode[] {
  return inlines.map((inline, i) => {
    switch (inline.t) {
      case 'text':
        return inline.text;
      case 'br':
        return <br key={i} />;
      case 'code':
        return <code key={i}>{inline.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInlines(inline.children, me)}</strong>;
      case 'em':
        return <em key={i}>{renderInlines(inline.children, me)}</em>;
      case 'del':
        return <del key={i}>{renderInlines(inline.children, me)}</del>;
      case 'link':
        return (
          <a key={i} href={inline.href} target="_blank" rel={LINK_REL}>
            {renderInlines(inline.children, me)}
          </a>
        );
      case 'mention':
        return (
          <span key={i} className={me !== undefined && inline.handle.toLowerCase() === me ? 'mention mention-me' : 'mention'}>
            @{inline.handle}
          </span>
        );
    }
  });
}

let highlighter: Promise<typeof import('./highlight')> | null = null;

/** The highlighter chunk, loaded once (and again after a failed load). */
export function loadHighlighter(): Promise<typeof import('./highlight')> {
  highlighter ??= import('./highlight').catch((err: unknown) => {
    highlighter = null;
    throw err;
  });
  return highlighter;
}

/**
 * A fenced block: plain at once, highlighted when the highlighter chunk has loaded (if it
 * knows the language).
 */
function CodeBlock({ language, code }: { language: string | null; code: string }) {
  const [highlighted, setHighlighted] = useState<{ code: string; nodes: ReactNode[] } | null>(null);
  useEffect(() => {
    if (!language) return;
    let live = true;
    loadHighlighter()
      .then(({ highlight }) => {
        const nodes = highlight(language, code);
        if (live && nodes) setHighlighted({ code, nodes });
      })
      // The plain text stays: highlighting is a nicety, but a chunk that fails to load is worth knowing.
      .catch((err: unknown) => reportError(err, { what: 'highlighter chunk' }));
    return () => {
      live = false;
    };
  }, [language, code]);
  return (
    <pre>
      <code className={language ? `language-${language}` : undefined}>{highlighted?.code === code ? highlighted.nodes : code}</code>
    </pre>
  );
}
