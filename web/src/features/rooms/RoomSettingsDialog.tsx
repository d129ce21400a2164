import { useState, type FormEvent } from 'react';
import { DepartmentSelect } from './DepartmentSelect';
import { api, ApiError, errorMessage } from '../../api';
import type { Room } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { may } from './policy';
import { useRoomsOptional } from './RoomsContext';
import { slugHint } from './slug';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

interface Props {
  room: Room;
  open: boolean;
  onClose: () => void;
}

/**
 * A room's settings: title, topic (its description), kind and department for those who may
 * change them; archive or restore it; delete it after typing its name. Every change reaches
 * everyone viewing the room through `room:updated`. Mounted when opened, so its fields start
 * from the room as it is then.
 */
export function RoomSettingsDialog({ room, open, onClose }: Props) {
  const me = useUser();
  const { departments } = useSession();
  const rooms = useRoomsOptional();
  const toast = useToast();
  const [title, setTitle] = useState(room.title);
  const [description, setDescription] = useState(room.description ?? '');
  const [kind, setKind] = useState(room.kind === 'private' ? 'private' : 'public');
  const [department, setDepartment] = useState(room.department ?? '');
  const [confirmName, setConfirmName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);


  const archived = Boolean(room.archivedAt);
  const canEdit = may(me, room, 'updateRoom');
  const canChangeKind = may(me, room, 'changeKind');
  const canArchive = may(me, room, 'archive');
  const canDelete = may(me, room, 'deleteRoom');

  const act = async (what: () => Promise<unknown>, done: string, close = true) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      toast.show(done, 'success');
      if (close) onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: errorMessage(err) }));
    } finally {
      setBusy(false);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    const patch = {
      ...(title.trim() !== room.title ? { title: title.trim() } : {}),
      ...(description.trim() !== (room.description ?? '') ? { description: description.trim() } : {}),
      ...((department || null) !== room.department ? { department: department || null } : {}),
      ...(canChangeKind && kind !== room.kind ? { kind: kind === 'private' ? ('private' as const) : ('public' as const) } : {}),
    };
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    void act(async () => {
      const updated = await api.rooms.update(room.id, patch);
      rooms?.upsert({ ...updated, myRole: room.myRole });
    }, t('roomSettingsDialog.roomUpdated'));
  };

  const remove = () =>
    act(async () => {
      await api.rooms.remove(room.id);
      rooms?.remove(room.id);
      navigate('/');
    }, t('roomSettingsDialog.deletedTitle', { title: room.title }));

  const problem = (f: string) => error?.fieldProblem(f);
  return (
    <Dialog open={open} title={t('roomSettingsDialog.settingsTitle', { title: room.title })} onClose={onClose} testId="room-settings-dialog">
      <form onSubmit={save} className="stack room-settings">
        {archived && (
          <p className="notice" role="status">
            {t('roomSettingsDialog.thisRoomArchivedRestoreChange')}
          </p>
        )}
        <fieldset disabled={!canEdit || busy} className="plain-fieldset">
          <label htmlFor="settings-title">{t('common.title')}</label>
          <input id="settings-title" required maxLength={100} value={title} onChange={(e) => setTitle(e.target.value)} data-testid="settings-title" />
          {problem('title') && <p className="field-error">{problem('title')}</p>}
          <label htmlFor="settings-topic">{t('common.topic')}</label>
          <textarea
            id="settings-topic"
            rows={2}
            maxLength={1000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-describedby="settings-topic-hint"
            data-testid="settings-topic"
          />
          <p id="settings-topic-hint" className="hint">
            {t('roomSettingsDialog.theRoomSDescriptionShown')}
          </p>
          {problem('description') && <p className="field-error">{problem('description')}</p>}
          <fieldset className="radio-group" disabled={!canChangeKind}>
            <legend>{t('common.visibility')}</legend>
            <label className="radio-option">
              <input type="radio" name="settings-kind" checked={kind === 'public'} onChange={() => setKind('public')} />
              <span>
                <strong>{t('common.public')}</strong>{t('roomSettingsDialog.theDepartmentCanReadIts')}
              </span>
            </label>
            <label className="radio-option">
              <input type="radio" name="settings-kind" checked={kind === 'private'} onChange={() => setKind('private')} />
              <span>
                <strong>{t('common.private')}</strong>{t('common.membersOnly')}
              </span>
            </label>
            {!canChangeKind && <p className="hint">{t('roomSettingsDialog.onlyOwnerAdminChangesWho')}</p>}
          </fieldset>
          <DepartmentSelect id="settings-department" value={department} departments={departments} onChange={setDepartment} />
          <p className="hint">
            {rich('roomSettingsDialog.linkFixed', { slug: <code>{room.slug}</code>, rule: slugHint().charAt(0).toLowerCase() + slugHint().slice(1) })}
          </p>
        </fieldset>
        {error && (
          <p className="form-error" role="alert" data-testid="settings-error">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('roomSettingsDialog.close')}
          </button>
          {canEdit && (
            <button type="submit" className="button primary" disabled={busy || !title.trim()} data-testid="settings-save">
              {t('common.save')}
            </button>
          )}
        </div>
      </form>
      {canArchive && (
        <section className="settings-section" aria-labelledby="settings-archive">
          <h3 id="settings-archive">{archived ? t('common.archived') : t('roomSettingsDialog.archive')}</h3>
          <p className="hint">
            {archived
              ? t('roomSettingsDialog.nobodyCanWriteHereWhile')
              : t('roomSettingsDialog.anArchivedRoomReadOnly')}
          </p>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() =>
              void act(
                () => (archived ? api.rooms.unarchive(room.id) : api.rooms.archive(room.id)),
                archived ? t('archivedBanner.restoredTitle', { title: room.title }) : t('roomSettingsDialog.archivedTitle', { title: room.title }),
              )
            }
            data-testid={archived ? 'settings-unarchive' : 'settings-archive'}
          >
            {archived ? t('roomSettingsDialog.unarchiveRoom') : t('roomSettingsDialog.archiveRoom')}
          </button>
        </section>
      )}
      {canDelete && (
        <section className="settings-section danger-zone" aria-labelledby="settings-delete">
          <h3 id="settings-delete">{t('common.delete')}</h3>
          <p className="hint">{t('roomSettingsDialog.deletesRoomWithAllIts')}</p>
          <label htmlFor="settings-delete-name">
            {rich('roomSettingsDialog.typeToConfirm', { title: <strong>{room.title}</strong> })}
          </label>
          <input
            id="settings-delete-name"
            value={confirmName}
            onChange={(e) => setConfirmName(e.target.value)}
            autoComplete="off"
            data-testid="settings-delete-name"
          />
          <button
            type="button"
            className="button danger"
            disabled={busy || confirmName.trim() !== room.title}
            onClick={() => void remove()}
            data-testid="settings-delete"
          >
            {t('roomSettingsDialog.deleteRoom')}
          </button>
        </section>
      )}
    </Dialog>
  );
}

/** The header's "Settings" button with its dialog (for those who may change anything). */
export function RoomSettingsButton({ room }: { room: Room }) {
  const me = useUser();
  const [open, setOpen] = useState(false);
  const any = (['updateRoom', 'archive', 'deleteRoom'] as const).some((a) => may(me, room, a));
  if (!any || (room.kind !== 'public' && room.kind !== 'private')) return null;
  return (
    <>
      <button type="button" className="button small" onClick={() => setOpen(true)} data-testid="room-settings">
        <span aria-hidden="true">⚙</span>{' '}{t('roomSettingsDialog.settings')}
      </button>
      {open && <RoomSettingsDialog room={room} open onClose={() => setOpen(false)} />}
    </>
  );
}
