import { t, type MessageKey } from '../../i18n';
// Composer slash commands: `/invite @name`, `/leave`, `/topic text`. A line that starts with
// `/word` is a command and is never posted as a message; `//` sends a line that starts with
// "/" as it is. Unknown commands answer with the help instead of being posted silently.

export type SlashCommand =
  | { kind: 'invite'; names: string[] }
  | { kind: 'leave' }
  | { kind: 'topic'; text: string }
  | { kind: 'help'; problem: string | null };

/** What the composer does with its text. */
export type ComposerInput = { kind: 'message'; text: string } | { kind: 'command'; command: SlashCommand };

export const SLASH_HELP: readonly { usage: string; what: MessageKey }[] = [
  { usage: '/invite @name', what: 'slashCommands.invite' },
  { usage: '/leave', what: 'slashCommands.leave' },
  { usage: '/topic text', what: 'slashCommands.topic' },
  { usage: '//text', what: 'slashCommands.slash' },
];

/** The help as one line of text (a toast, a title). */
export function helpText(problem: string | null = null): string {
  const list = SLASH_HELP.map((h) => `${h.usage}: ${t(h.what)}`).join(' · ');
  return problem ? t('slashCommands.problemCommandsList', { problem, list }) : t('slashCommands.commandsList', { list });
}

const COMMAND = /^\/([a-z][a-z-]*)(?:\s+([\s\S]*))?$/i;

/** Reads the composer's (trimmed) text: a message to send, or a command to run. */
export function parseComposerInput(raw: string): ComposerInput {
  const text = raw.trim();
  if (text.startsWith('//')) return { kind: 'message', text: text.slice(1) };
  const match = COMMAND.exec(text);
  // "/usr/bin is gone" or "/ shrug" are text: a command is "/word" then a space or the end.
  if (!match) return { kind: 'message', text };
  const name = (match[1] ?? '').toLowerCase();
  const args = (match[2] ?? '').trim();
  return { kind: 'command', command: parseCommand(name, args) };
}

function parseCommand(name: string, args: string): SlashCommand {
  switch (name) {
    case 'invite': {
      const names = args
        .split(/[\s,]+/)
        .map((n) => n.replace(/^@/, '').trim())
        .filter(Boolean);
      return names.length > 0 ? { kind: 'invite', names } : { kind: 'help', problem: t('slashCommands.whomWriteInviteName') };
    }
    case 'leave':
      return args ? { kind: 'help', problem: t('slashCommands.leaveTakesNothing') } : { kind: 'leave' };
    case 'topic':
      return args ? { kind: 'topic', text: args } : { kind: 'help', problem: t('slashCommands.writeTopic') };
    case 'help':
      return { kind: 'help', problem: null };
    default:
      return { kind: 'help', problem: t('slashCommands.unknownCommandName', { name }) };
  }
}

/** A person as the directory answers, for matching a name typed after `/invite`. */
export interface Candidate {
  id: string;
  name: string;
  handle?: string | null;
}

/**
 * The one person `typed` names among the directory's answers: an exact handle first, then an
 * exact name (ignoring case), then the only answer there is; `null` when it is not clear.
 */
export function pickPerson<T extends Candidate>(typed: string, found: readonly T[]): T | null {
  const want = typed.toLowerCase();
  const byHandle = found.find((p) => p.handle?.toLowerCase() === want);
  if (byHandle) return byHandle;
  const byName = found.filter((p) => p.name.toLowerCase() === want || p.name.toLowerCase().replace(/\s+/g, '') === want);
  if (byName.length === 1) return byName[0] ?? null;
  return found.length === 1 ? (found[0] ?? null) : null;
}
