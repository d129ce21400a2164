// Every word the interface shows goes through the message catalogue: no text between JSX tags,
// and no literal text in the attributes people read or hear (labels, titles, placeholders).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');
/** Attributes whose value is read or heard by people (ours, like `confirmLabel`, included). */
const SHOWN = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label', 'confirmLabel', 'caption', 'empty', 'none', 'hint', 'header', 'message']);
const hasWords = (text: string) => /\p{L}{2,}/u.test(text);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.tsx') && !e.name.endsWith('.test.tsx') ? [path] : [];
  });
}

/** `file:line text` of each literal text in the JSX of one file. */
function literals(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) =>
    found.push(`${relative(SRC, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1} ${text.trim()}`);
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasWords(node.text)) report(node, node.text);
    if (ts.isJsxAttribute(node) && SHOWN.has(node.name.getText(source)) && node.initializer) {
      const init = node.initializer;
      const value = ts.isJsxExpression(init) ? init.expression : init;
      if (value && (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value) || ts.isTemplateExpression(value)) && hasWords(value.getText(source))) {
        report(value, value.getText(source));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('interface texts', () => {
  // Parsing every screen takes a few seconds on a busy machine: more than the default 5 s budget.
  it('come from the message catalogue, not from literals in JSX', { timeout: 60_000 }, () => {
    expect(sources(SRC).flatMap((file) => literals(file))).toEqual([]);
  });

  it('are found when they are literals', () => {
    const sample = `export const Sample = ({ name }: { name: string }) => (
      <p className="muted" data-testid="sample">
        Hello there
        <button type="button" aria-label={'Close the menu'} title={\`Open \${name}\`} onClick={() => t('x')}>
          ×
        </button>
      </p>
    );`;
    expect(literals(join(SRC, 'Sample.tsx'), sample)).toEqual(['Sample.tsx:3 Hello there', "Sample.tsx:4 'Close the menu'", 'Sample.tsx:4 `Open ${name}`']);
  });
});
