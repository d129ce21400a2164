// The stylesheet is one hand-written file: a block left open nests every later rule inside it
// (CSS nesting), and those rules then silently apply nowhere. Blocks must close, and rules may
// only nest inside at-rules (@media, @supports, @keyframes).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const css = readFileSync(resolve(__dirname, 'styles.css'), 'utf8');

/** The opening of each block with the stack of blocks it sits in. */
function blocks(source: string): { selector: string; parents: string[] }[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/'[^'\n]*'|"[^"\n]*"/g, '""');
  const out: { selector: string; parents: string[] }[] = [];
  const stack: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      const selector = text.slice(start, i).split(';').pop()!.trim();
      out.push({ selector, parents: [...stack] });
      stack.push(selector);
      start = i + 1;
    } else if (c === '}') {
      if (stack.length === 0) throw new Error(`a closing brace without a block near: ${text.slice(Math.max(0, i - 80), i)}`);
      stack.pop();
      start = i + 1;
    } else if (c === ';') {
      start = i + 1;
    }
  }
  if (stack.length > 0) throw new Error(`blocks left open: ${stack.join(' > ')}`);
  return out;
}

describe('styles.css', () => {
  it('closes every block and nests rules only inside at-rules', () => {
    const nested = blocks(css).filter((b) => b.parents.some((p) => !p.startsWith('@')) && !/^(from|to|\d+%)/.test(b.selector));
    expect(nested.map((b) => `${b.parents.join(' > ')} > ${b.selector}`)).toEqual([]);
  });

  it('finds a block left open (the check itself)', () => {
    expect(() => blocks('.a {\n  color: red;\n.b { color: blue; }')).toThrow(/left open: \.a/);
    const inner = blocks('.a { color: red; .b { color: blue; } }').filter((b) => b.parents.length > 0);
    expect(inner.map((b) => b.selector)).toEqual(['.b']);
  });
});
