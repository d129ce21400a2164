import { useState, type FormEvent } from 'react';
import { DepartmentSelect } from './DepartmentSelect';
import { api, ApiError, errorMessage } from '../../api';
import type { Room, User } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { PeoplePicker } from './PeoplePicker';
import { inviteRefusal } from './policy';
import { slugHint, SLUG_MAX, SLUG_PATTERN, slugify } from './slug';
import { t } from '../../i18n';

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (room: Room) => void;
}

export function CreateRoomDialog({ open, onClose, onCreated }: Props) {
  const { departments } = useSession();
  const me = useUser();
  const toast = useToast();
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'public' | 'private'>('public');
  const [department, setDepartment] = useState('');
  const [tags, setTags] = useState('');
  const [people, setPeople] = useState<User[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const reset = () => {
    setTitle('');
    setSlug('');
    setSlugEdited(false);
    setDescription('');
    setTags('');
    setPeople([]);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const tagList = tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const room = await api.rooms.create({
        slug: slug || slugify(title),
        title: title.trim(),
        kind,
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(department ? { department } : {}),
        ...(tagList.length ? { tags: tagList } : {}),
      });
      // The room exists now: people the server refuses are reported, the room stays.
      const refused: string[] = [];
      for (const person of kind === 'private' ? people : []) {
        try {
          await api.rooms.addMember(room.id, person.id);
        } catch (err) {
          refused.push(`${person.name}: ${errorMessage(err)}`);
        }
      }
      onCreated(room);
      reset();
      if (refused.length > 0) toast.show(`Created, but not everyone could be added. ${refused.join('; ')}`, 'error');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: t('createRoomDialog.couldNotCreateRoom') }));
    } finally {
      setBusy(false);
    }
  };

  const problem = (f: string) => error?.fieldProblem(f);
  // What the member picker offers is what the policy lets an owner add to this room.
  const draft = { kind, department: department || null, myRole: 'owner' as const };

  return (
    <Dialog open={open} title={t('common.createRoom')} onClose={onClose} testId="create-room-dialog">
      <form onSubmit={submit} className="stack create-room-form">
        <label htmlFor="room-title">{t('common.title')}</label>
        <input
          id="room-title"
          required
          maxLength={100}
          value={title}
          onChange={(e) => {
            setTitle(e.target.value);
            if (!slugEdited) setSlug(slugify(e.target.value));
          }}
          data-testid="room-title-input"
        />
        {problem('title') && <p className="field-error">{problem('title')}</p>}
        <label htmlFor="room-slug">{t('createRoomDialog.slug')}</label>
        <input
          id="room-slug"
          required
          pattern={SLUG_PATTERN}
          maxLength={SLUG_MAX}
          aria-describedby="room-slug-hint"
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            setSlugEdited(true);
          }}
          data-testid="room-slug-input"
        />
        <p id="room-slug-hint" className="hint">
          {slugHint()}
        </p>
        {problem('slug') && <p className="field-error">{problem('slug')}</p>}
        <label htmlFor="room-description">{t('createRoomDialog.descriptionOptional')}</label>
        <textarea id="room-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        <fieldset className="radio-group">
          <legend>{t('common.visibility')}</legend>
          <label className="radio-option">
            <input type="radio" name="room-kind" value="public" checked={kind === 'public'} onChange={() => setKind('public')} data-testid="room-kind-public" />
            <span>
              <strong>{t('common.public')}</strong>{t('createRoomDialog.anyoneStaffDepartmentCanFind')}
            </span>
          </label>
          <label className="radio-option">
            <input type="radio" name="room-kind" value="private" checked={kind === 'private'} onChange={() => setKind('private')} data-testid="room-kind-private" />
            <span>
              <strong>{t('common.private')}</strong>{t('common.membersOnly')}
            </span>
          </label>
        </fieldset>
        <DepartmentSelect id="room-department" value={department} departments={departments} onChange={setDepartment} />
        {kind === 'private' && (
          <div className="create-room-members">
            <PeoplePicker
              label={t('common.members')}
              exclude={new Set([me.id, ...people.map((p) => p.id)])}
              refusal={(u) => inviteRefusal(me, draft, u)}
              onPick={(u) => setPeople((ps) => [...ps, u])}
              testId="create-room-people"
            />
            {people.length > 0 && (
              <ul className="chips" aria-label={t('createRoomDialog.peopleAdd')} data-testid="create-room-picked">
                {people.map((p) => (
                  <li key={p.id} className="chip">
                    {p.name}
                    <button
                      type="button"
                      className="icon-button small"
                      aria-label={t('createRoomDialog.doNotAddName', { name: p.name })}
                      onClick={() => setPeople((ps) => ps.filter((x) => x.id !== p.id))}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <label htmlFor="room-tags">{t('createRoomDialog.tagsCommaSeparated')}</label>
        <input id="room-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy || !title.trim()} data-testid="create-room-submit">
            {busy ? t('common.creating') : t('common.createRoom2')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
