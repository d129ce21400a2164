import { describe, expect, it } from 'vitest';
import { groupMentions, insertMention, mentionTrigger } from './trigger';

const at = (text: string) => mentionTrigger(text.replace('|', ''), text.indexOf('|'));

describe('mentionTrigger', () => {
  it('finds an @ at the start, after a space or a bracket, with what follows it to the caret', () => {
    expect(at('@ad|')).toEqual({ start: 0, query: 'ad' });
    expect(at('hi @Ad|')).toEqual({ start: 3, query: 'ad' });
    expect(at('(@b.s|')).toEqual({ start: 1, query: 'b.s' });
    expect(at('line\n@|')).toEqual({ start: 5, query: '' });
  });

  it('reads up to the caret only', () => {
    expect(at('@ad|a rest')).toEqual({ start: 0, query: 'ad' });
  });

  it('ignores addresses, finished mentions, code and text without an @', () => {
    expect(at('ada@exa|')).toBeNull();
    expect(at('@ada |')).toBeNull();
    expect(at('`@ad|')).toBeNull();
    expect(at('hello|')).toBeNull();
    expect(at('|')).toBeNull();
  });

  it('takes code spans closed before the @ as text again', () => {
    expect(at('`x` @ad|')).toEqual({ start: 4, query: 'ad' });
  });
});

describe('insertMention', () => {
  it('replaces the typed part (and the rest of the word) with @handle and a space, caret after it', () => {
    const text = 'hi @ad there';
    const trigger = { start: 3, query: 'ad' };
    expect(insertMention(text, 6, trigger, 'ada')).toEqual({ text: 'hi @ada there', caret: 8 });
    expect(insertMention('@a', 2, { start: 0, query: 'a' }, 'ada.l')).toEqual({ text: '@ada.l ', caret: 7 });
  });
});

describe('groupMentions', () => {
  it('offers @here and @room as they match', () => {
    expect(groupMentions('').map((g) => g.handle)).toEqual(['here', 'room']);
    expect(groupMentions('r').map((g) => g.handle)).toEqual(['room']);
    expect(groupMentions('ada')).toEqual([]);
  });
});
