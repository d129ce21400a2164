import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parse } from './blocks';
import cases from './cases.json';
import { MAX_NESTING, safeUrl } from './inline';
import { LINK_REL, loadHighlighter, Markup } from './Markup';

declare global {
  // React's flag for tests that drive updates through `act`.
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

/** HTML as the browser's DOM serialises it, so that equivalent spellings compare equal. */
function normalised(html: string): string {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div.innerHTML;
}

function html(body: string): string {
  return normalised(renderToStaticMarkup(<Markup body={body} />));
}

/** The body rendered into a live DOM node. */
function dom(body: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderToStaticMarkup(<Markup body={body} />);
  return div;
}

describe('message formatting', () => {
  // The server's export renders the same cases (server/src/views/markup/tests.rs).
  it.each(cases)('$name', ({ body, html: expected }) => {
    expect(html(body)).toBe(normalised(expected));
  });

  it('links only http, https and mailto, in a new tab without opener, referrer or endorsement', () => {
    for (const href of ['https://example.com/a?b=1', 'HTTP://EXAMPLE.COM', 'mailto:team@example.com']) {
      const a = dom(`[x](${href})`).querySelector('a');
      expect(a?.getAttribute('href')).toBe(href);
      expect(a?.getAttribute('rel')).toBe(LINK_REL);
      expect(a?.getAttribute('target')).toBe('_blank');
    }
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'jav&#x61;script:alert(1)',
      'jav&#97;script:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '//evil.example.com',
      '/rooms',
      'https:/one-slash',
      'https:///three-slashes',
    ]) {
      expect(safeUrl(href)).toBe(false);
      expect(dom(`[x](${href})`).querySelector('a')).toBeNull();
    }
    for (const bare of ['javascript:alert(1)', 'data:text/html,x', ' javascript:alert(1)']) {
      expect(dom(bare).querySelector('a')).toBeNull();
    }
  });

  it('never lets markup from the body into the DOM', () => {
    const body = [
      '<script>window.pwned = 1</script>',
      '<img src=x onerror="window.pwned = 1">',
      '**<svg onload=alert(1)>**',
      '[<iframe src="https://evil.example.com">](https://example.com)',
      '`<style>body{display:none}</style>`',
      '```html\n<script>alert(1)</script>\n```',
      '> <a href="javascript:alert(1)">quoted</a>',
      '- <object data="x">',
    ].join('\n\n');
    const root = dom(body);
    expect(root.querySelectorAll('script, img, svg, iframe, style, object').length).toBe(0);
    for (const a of root.querySelectorAll('a')) expect(a.getAttribute('href')).toBe('https://example.com');
    for (const el of root.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames()) expect(attr.startsWith('on')).toBe(false);
    }
    expect(root.textContent).toContain('<script>window.pwned = 1</script>');
  });

  it('caps nesting at ten thousand levels of quotes, lists and emphasis', () => {
    const quotes = dom(`${'>'.repeat(10_000)} deep`);
    expect(quotes.querySelectorAll('blockquote').length).toBe(MAX_DEPTH);
    expect(quotes.textContent).toBe(`${'>'.repeat(10_000 - MAX_DEPTH)} deep`);

    expect(dom(`${'- '.repeat(10_000)}x`).querySelectorAll('ul').length).toBe(MAX_DEPTH);
    const indented = Array.from({ length: 1_000 }, (_, level) => `${'  '.repeat(level)}- ${level}`).join('\n');
    const lists = dom(indented);
    expect(lists.querySelectorAll('ul').length).toBe(MAX_DEPTH);
    expect(lists.textContent).toContain('- 999');

    const emphasis = dom(`${'*a _b '.repeat(2_500)}x${' b_ a*'.repeat(2_500)}`);
    expect(emphasis.querySelectorAll('em').length).toBe(MAX_NESTING);
  });

  it('renders hostile bodies in linear time', () => {
    // 200 KB, far above the largest stored body: linear work takes milliseconds, quadratic
    // work would take minutes. The server runs the same storms (markup/tests.rs).
    for (const [name, body] of storms(200_000)) {
      const started = performance.now();
      parse(body);
      const took = performance.now() - started;
      expect(took, name).toBeLessThan(2_000);
    }
  });

  it('renders the largest body the server stores', () => {
    const body = '**bold** _it_ `code` [l](https://example.com) @me :tada:\n'.repeat(100).slice(0, 5000);
    const root = dom(body);
    expect(root.querySelectorAll('strong').length).toBeGreaterThan(80);
    expect(root.querySelectorAll(`a[rel="${LINK_REL}"]`).length).toBeGreaterThan(80);
  });

  it('keeps stored bodies verbatim: parsing never changes the text a reader can copy', () => {
    const body = 'plain words, nothing to format';
    expect(dom(body).textContent).toBe(body);
  });
});

function storms(size: number): [string, string][] {
  const repeat = (unit: string) => unit.repeat(Math.floor(size / unit.length));
  let growing = '';
  for (let n = 1; growing.length + n + 1 < size; n += 1) growing += `${'`'.repeat(n)} `;
  return [
    ['backticks of growing length', growing],
    ['one backtick each', repeat('` ')],
    ['unclosed brackets', repeat('[')],
    ['brackets without a URL', repeat('[a](')],
    ['links without an end', repeat('[a](b ')],
    ['unclosed stars', repeat('**a ')],
    ['unclosed underscores', repeat('_a ')],
    ['unclosed tildes', repeat('~~a ')],
    ['mixed delimiters', repeat('*_~~**__')],
    ['URLs without an end', repeat('http://(')],
    ['schemes only', repeat('https:// ')],
    ['at signs', repeat('@')],
    ['shortcodes without an end', repeat(':smile')],
    ['backslashes', repeat('\\')],
    ['quote markers', repeat('>')],
    ['list markers', repeat('- ')],
    ['fences', repeat('```\n')],
    ['nested quote lines', repeat('> > > > > > > > a\n')],
  ];
}

/** The body rendered by React into a detached node, after the highlighter chunk has answered. */
async function highlighted(body: string): Promise<HTMLElement> {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  const container = document.createElement('div');
  const root = createRoot(container);
  act(() => root.render(<Markup body={body} />));
  expect(container.querySelector('pre > code span')).toBeNull();
  // Each block asked for the chunk when it mounted, so its update is in once this load resolves.
  await act(() => loadHighlighter());
  const copy = container.cloneNode(true) as HTMLElement;
  act(() => root.unmount());
  return copy;
}

describe('fenced code', () => {
  it('is highlighted once the highlighter chunk has loaded, as spans in <code class="language-x">', async () => {
    const code = 'fn main() { let x = "<b>"; }';
    const root = await highlighted(`\`\`\`rust\n${code}\n\`\`\``);
    expect(root.querySelectorAll('pre > code.language-rust span.hljs-keyword').length).toBeGreaterThan(0);
    expect(root.querySelector('pre > code')?.textContent).toBe(code);
    expect(root.querySelector('b')).toBeNull();
  });

  it('stays plain for a language the highlighter does not know', async () => {
    const root = await highlighted('```klingon\nqapla\n```\n\n```js\nlet a = 1;\n```');
    // The known language is highlighted: the chunk has answered both blocks.
    expect(root.querySelectorAll('code.language-js span').length).toBeGreaterThan(0);
    const plain = root.querySelector('code.language-klingon');
    expect(plain?.childElementCount).toBe(0);
    expect(plain?.textContent).toBe('qapla');
  });
});

describe('own mentions', () => {
  it('marks the signed-in person’s handle, whatever its case, and no other', () => {
    const out = renderToStaticMarkup(<Markup body="@Ada and @bob" myHandle="ada" />);
    expect(out).toBe('<p><span class="mention mention-me">@Ada</span> and <span class="mention">@bob</span></p>');
  });
});
