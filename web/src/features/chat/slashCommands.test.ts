import { describe, expect, it } from 'vitest';
import { helpText, parseComposerInput, pickPerson } from './slashCommands';

describe('slash commands', () => {
  it('reads /invite with one or several people', () => {
    expect(parseComposerInput('/invite @linus')).toEqual({ kind: 'command', command: { kind: 'invite', names: ['linus'] } });
    expect(parseComposerInput(' /invite @ada, @grace hopper ')).toEqual({
      kind: 'command',
      command: { kind: 'invite', names: ['ada', 'grace', 'hopper'] },
    });
    expect(parseComposerInput('/invite')).toEqual({ kind: 'command', command: { kind: 'help', problem: 'Whom? Write /invite @name' } });
  });

  it('reads /leave and /topic', () => {
    expect(parseComposerInput('/leave')).toEqual({ kind: 'command', command: { kind: 'leave' } });
    expect(parseComposerInput('/LEAVE')).toEqual({ kind: 'command', command: { kind: 'leave' } });
    expect(parseComposerInput('/topic Release week: freeze on Thursday')).toEqual({
      kind: 'command',
      command: { kind: 'topic', text: 'Release week: freeze on Thursday' },
    });
    expect(parseComposerInput('/topic').kind).toBe('command');
  });

  it('never posts an unknown command silently', () => {
    expect(parseComposerInput('/shrug')).toEqual({ kind: 'command', command: { kind: 'help', problem: 'Unknown command /shrug' } });
    expect(helpText('Unknown command /shrug')).toContain('/invite @name');
  });

  it('sends text that only looks like a command', () => {
    expect(parseComposerInput('/usr/bin is gone')).toEqual({ kind: 'message', text: '/usr/bin is gone' });
    expect(parseComposerInput('//invite is a command')).toEqual({ kind: 'message', text: '/invite is a command' });
    expect(parseComposerInput('hello /invite @x')).toEqual({ kind: 'message', text: 'hello /invite @x' });
  });

  it('picks the person a name means', () => {
    const ada = { id: '1', name: 'Ada Lovelace', handle: 'ada' };
    const adam = { id: '2', name: 'Adam Smith', handle: 'adam' };
    expect(pickPerson('ada', [adam, ada])).toBe(ada);
    expect(pickPerson('Adam Smith', [ada, adam])).toBe(adam);
    expect(pickPerson('ad', [ada, adam])).toBeNull();
    expect(pickPerson('lovelace', [ada])).toBe(ada);
    expect(pickPerson('nobody', [])).toBeNull();
  });
});
