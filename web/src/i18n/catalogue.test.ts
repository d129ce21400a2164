import { describe, expect, it } from 'vitest';
import type { Message } from './catalogue';
import { en } from './en';
import { fr } from './fr';
import { browserLanguage, translate } from './index';

const placeholders = (m: Message): string[] => {
  const texts = typeof m === 'string' ? [m] : Object.values(m).filter((x): x is string => typeof x === 'string');
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1] ?? '')))].sort();
};

describe('message catalogues', () => {
  it('French has exactly the English keys', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('every French message has the placeholders of the English one, and plurals where English has them', () => {
    const en_ = en as Record<string, Message>;
    const fr_ = fr as Record<string, Message>;
    for (const key of Object.keys(en_)) {
      const [source, target] = [en_[key], fr_[key]];
      if (source === undefined || target === undefined) throw new Error(`missing ${key}`);
      expect({ key, placeholders: placeholders(target) }).toEqual({ key, placeholders: placeholders(source) });
      expect({ key, plural: typeof target !== 'string' }).toEqual({ key, plural: typeof source !== 'string' });
    }
  });

  it('no message is empty', () => {
    for (const [key, m] of Object.entries({ ...en, ...fr })) expect({ key, empty: placeholders(m).length === 0 && String(m).trim() === '' }).toEqual({ key, empty: false });
  });
});

describe('translate', () => {
  it('fills placeholders and picks plural forms by count', () => {
    expect(translate('en', 'discover.previewTitle', { title: 'Sales' })).toBe('Preview Sales');
    expect(translate('fr', 'discover.previewTitle', { title: 'Ventes' })).toBe('Aperçu de Ventes');
    expect(translate('en', 'ticketQueue.ticketCount', { count: 1 })).toBe('1 ticket');
    expect(translate('en', 'ticketQueue.ticketCount', { count: 0 })).toBe('0 tickets');
    // French counts 0 and 1 as singular.
    expect(translate('fr', 'ticketQueue.ticketCount', { count: 0 })).toBe('0 ticket');
    expect(translate('fr', 'ticketQueue.ticketCount', { count: 2 })).toBe('2 tickets');
  });

  it('follows the browser to a language it speaks, else English', () => {
    expect(browserLanguage(['fr-CA', 'en'])).toBe('fr');
    expect(browserLanguage(['de-DE', 'en-GB'])).toBe('en');
    expect(browserLanguage(['de'])).toBe('en');
  });
});
