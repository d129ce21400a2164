import { useState } from 'react';
import type { Room } from '../../types';
import { WriteButton } from '../../ui/readOnly';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { CreateRoomDialog } from './CreateRoomDialog';
import { mayCreateRooms } from './policy';
import { useRooms } from './RoomsContext';
import { t } from '../../i18n';

/** The "+" beside the sidebar's rooms: opens the create dialog. */
export function NewRoomButton() {
  const me = useUser();
  const toast = useToast();
  const { upsert } = useRooms();
  const [open, setOpen] = useState(false);
  // Customers have no rooms; observers see the button disabled, saying why (WriteButton).
  if (!mayCreateRooms(me.role) && me.role !== 'observer') return null;
  const created = (room: Room) => {
    setOpen(false);
    upsert(room);
    toast.show(t('common.createdTitle', { title: room.title }), 'success');
    navigate(`/rooms/${room.id}`);
  };
  return (
    <>
      <WriteButton
        className="icon-button small"
        aria-label={t('common.createRoom')}
        title={t('common.createRoom')}
        onClick={() => setOpen(true)}
        data-testid="new-room"
      >
        +
      </WriteButton>
      <CreateRoomDialog open={open} onClose={() => setOpen(false)} onCreated={created} />
    </>
  );
}
