// Syntax highlighting for fenced code, loaded on demand (its own chunk) the first time a
// message has a fence with a language. lowlight runs highlight.js and returns a tree, which
// becomes React elements: no HTML string is ever inserted.

import type { RootContent } from 'hast';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';
import { createElement, type ReactNode } from 'react';

const lowlight = createLowlight({ bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml });

/** The code as highlighted spans, or null for a language not registered here. */
export function highlight(language: string, code: string): ReactNode[] | null {
  if (!lowlight.registered(language)) return null;
  return toReact(lowlight.highlight(language, code).children);
}

function toReact(nodes: RootContent[]): ReactNode[] {
  return nodes.map((node, i) => {
    if (node.type === 'text') return node.value;
    if (node.type !== 'element') return null;
    const names = node.properties.className;
    const className = Array.isArray(names) ? names.join(' ') : undefined;
    return createElement('span', { key: i, className }, ...toReact(node.children));
  });
}
