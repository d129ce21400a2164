import { useState } from 'react';
import { api } from '../../api';
import type { Room } from '../../types';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { may } from './policy';
import { formatDate, t } from '../../i18n';

/** Shown over an archived room: read-only for everyone, with "Unarchive" for those allowed. */
export function ArchivedBanner({ room }: { room: Room }) {
  const me = useUser();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!room.archivedAt) return null;
  const restore = async () => {
    setBusy(true);
    try {
      await api.rooms.unarchive(room.id);
      toast.show(t('archivedBanner.restoredTitle', { title: room.title }), 'success');
    } catch (err) {
      toast.error(err, t('archivedBanner.couldNotRestoreRoom'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="archived-banner" role="status" data-testid="archived-banner">
      <span>
        <strong>{t('common.archived')}</strong>{' '}{t('archivedBanner.onDateReadOnly', { date: formatDate(new Date(room.archivedAt), { year: 'numeric', month: 'numeric', day: 'numeric' }) })}
      </span>
      {may(me, room, 'archive') && (
        <button type="button" className="button small" disabled={busy} onClick={() => void restore()} data-testid="unarchive-room">
          {t('archivedBanner.unarchive')}
        </button>
      )}
    </div>
  );
}

/** What replaces the composer in an archived room. */
export function ArchivedComposerNotice() {
  return (
    <div className="join-bar" role="status" data-testid="archived-notice">
      {t('archivedBanner.thisRoomArchivedNobodyCan')}
    </div>
  );
}
