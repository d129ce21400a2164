import { useCallback } from 'react';
import { api } from '../../api';
import type { Room } from '../../types';
import { useToast } from '../../ui/toast';
import { helpText, pickPerson, type SlashCommand } from './slashCommands';
import { t } from '../../i18n';

/**
 * Runs the composer's slash commands in `room` through the same REST routes as the members
 * panel and the settings (the server decides). Answers whether the composer may clear its
 * text: a failed or unclear command stays there to be fixed.
 */
export function useSlashCommands(room: Room | null, onLeave: () => void): (command: SlashCommand) => Promise<boolean> {
  const toast = useToast();
  return useCallback(
    async (command: SlashCommand) => {
      if (command.kind === 'help') {
        toast.show(helpText(command.problem), command.problem ? 'error' : 'info');
        return false;
      }
      if (!room) return false;
      try {
        switch (command.kind) {
          case 'invite':
            for (const name of command.names) {
              const found = await api.users.search(name, undefined, 20);
              const person = pickPerson(name, found.items);
              if (!person) {
                toast.show(found.items.length === 0 ? t('useSlashCommands.nobodyCalledName', { name }) : t('useSlashCommands.nameCouldBeSeveralPeople', { name }), 'error');
                return false;
              }
              await api.rooms.addMember(room.id, person.id);
              toast.show(t('useSlashCommands.addedNameTitle', { name: person.name, title: room.title }), 'success');
            }
            return true;
          case 'leave':
            onLeave();
            return true;
          case 'topic':
            await api.rooms.update(room.id, { description: command.text });
            toast.show(t('useSlashCommands.topicSet'), 'success');
            return true;
        }
      } catch (err) {
        toast.error(err);
        return false;
      }
    },
    [room, onLeave, toast],
  );
}
