import { useCallback, useMemo, useState } from 'react';
import { api } from '../../api';
import { useRealtime } from '../../realtime';
import { isMessage } from '../../realtime/guards';
import type { Message, RoomRole } from '../../types';
import { ConfirmDialog } from '../../ui/Dialog';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { t } from '../../i18n';

/** Reactions, edit, delete (with confirmation) and pins, and who may do which. */
export function useMessageActions(replace: (m: Message) => void, myRole: RoomRole | null) {
  const client = useRealtime();
  const me = useUser();
  const { config, readOnly } = useSession();
  const toast = useToast();
  const [toDelete, setToDelete] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  const onReact = useCallback(
    async (message: Message, emoji: string, on: boolean) => {
      try {
        if (client && client.connection === 'connected') {
          const updated = await client.toggleReaction(message.id, emoji);
          if (isMessage(updated)) replace(updated);
        } else {
          await (on ? api.messages.react(message.id, emoji) : api.messages.unreact(message.id, emoji));
        }
      } catch (err) {
        toast.error(err, t('useMessageActions.couldNotReact'));
      }
    },
    [client, replace, toast],
  );

  const onEdit = useCallback(
    async (message: Message, body: string) => {
      try {
        const updated = await api.messages.edit(message.id, body);
        replace(isMessage(updated) ? updated : { ...message, body, editedAt: new Date().toISOString() });
        return true;
      } catch (err) {
        toast.error(err, t('useMessageActions.couldNotEditMessage'));
        return false;
      }
    },
    [replace, toast],
  );

  const onPin = useCallback(
    async (message: Message, pinned: boolean) => {
      try {
        const updated = await api.messages.setPinned(message.id, pinned);
        replace(isMessage(updated) ? updated : { ...message, pinned });
      } catch (err) {
        toast.error(err, pinned ? t('useMessageActions.couldNotPinMessage') : t('useMessageActions.couldNotUnpinMessage'));
      }
    },
    [replace, toast],
  );

  const confirmDelete = async () => {
    if (!toDelete) return;
    setBusy(true);
    try {
      const removed = await api.messages.remove(toDelete.id);
      replace(isMessage(removed) ? removed : { ...toDelete, body: null, deletedAt: new Date().toISOString() });
      setToDelete(null);
    } catch (err) {
      toast.error(err, t('useMessageActions.couldNotDeleteMessage'));
    } finally {
      setBusy(false);
    }
  };

  const moderator = me.role === 'admin' || myRole === 'moderator' || myRole === 'owner';
  const editWindowMs = config.editWindowSecs * 1000;
  const permissions = useMemo(
    () => ({
      canEdit: (m: Message) =>
        !readOnly && m.author.id === me.id && (editWindowMs <= 0 || Date.now() - Date.parse(m.createdAt) < editWindowMs),
      canDelete: (m: Message) => !readOnly && (m.author.id === me.id || moderator),
      /** Whoever may post pins: the room's members. */
      canPin: !readOnly && myRole !== null,
    }),
    [readOnly, me.id, moderator, editWindowMs, myRole],
  );

  const dialog = (
    <ConfirmDialog
      open={toDelete !== null}
      title={t('useMessageActions.deleteMessage')}
      message={
        <>
          <p>{t('useMessageActions.removesForEveryone')}</p>
          {toDelete?.body && <blockquote className="quote">{toDelete.body.slice(0, 300)}</blockquote>}
        </>
      }
      confirmLabel={t('common.delete')}
      danger
      busy={busy}
      onConfirm={() => void confirmDelete()}
      onCancel={() => setToDelete(null)}
    />
  );

  const actions = useMemo(
    () => ({
      onReact: (m: Message, emoji: string, on: boolean) => void onReact(m, emoji, on),
      onEdit,
      onDelete: (m: Message) => setToDelete(m),
      onPin: (m: Message, pinned: boolean) => void onPin(m, pinned),
    }),
    [onReact, onEdit, onPin],
  );

  return {
    actions,
    ...permissions,
    dialog,
  };
}
