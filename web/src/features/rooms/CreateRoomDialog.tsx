import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import type { Room } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { useSession } from '../auth/session';

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (room: Room) => void;
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);

export function CreateRoomDialog({ open, onClose, onCreated }: Props) {
  const { departments } = useSession();
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'public' | 'private'>('public');
  const [department, setDepartment] = useState('');
  const [tags, setTags] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

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
      onCreated(room);
      setTitle('');
      setSlug('');
      setSlugEdited(false);
      setDescription('');
      setTags('');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: 'Could not create the room' }));
    } finally {
      setBusy(false);
    }
  };

  const problem = (f: string) => error?.fieldProblem(f);

  return (
    <Dialog open={open} title="Create a room" onClose={onClose} testId="create-room-dialog">
      <form onSubmit={submit} className="stack">
        <label htmlFor="room-title">Title</label>
        <input
          id="room-title"
          required
          maxLength={80}
          value={title}
          onChange={(e) => {
            setTitle(e.target.value);
            if (!slugEdited) setSlug(slugify(e.target.value));
          }}
          data-testid="room-title-input"
        />
        {problem('title') && <p className="field-error">{problem('title')}</p>}
        <label htmlFor="room-slug">Slug</label>
        <input
          id="room-slug"
          required
          pattern="[a-z0-9][a-z0-9-]*"
          aria-describedby="room-slug-hint"
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            setSlugEdited(true);
          }}
          data-testid="room-slug-input"
        />
        <p id="room-slug-hint" className="hint">
          Lowercase letters, digits and dashes; used in links.
        </p>
        {problem('slug') && <p className="field-error">{problem('slug')}</p>}
        <label htmlFor="room-description">Description (optional)</label>
        <textarea id="room-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        <fieldset>
          <legend>Visibility</legend>
          <label className="inline">
            <input type="radio" name="room-kind" value="public" checked={kind === 'public'} onChange={() => setKind('public')} /> Public:
            anyone on staff in the department can find and join
          </label>
          <label className="inline">
            <input type="radio" name="room-kind" value="private" checked={kind === 'private'} onChange={() => setKind('private')} /> Private:
            members only
          </label>
        </fieldset>
        <label htmlFor="room-department">Department</label>
        <select id="room-department" value={department} onChange={(e) => setDepartment(e.target.value)}>
          <option value="">Everyone</option>
          {departments.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <label htmlFor="room-tags">Tags (comma separated)</label>
        <input id="room-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy || !title.trim()} data-testid="create-room-submit">
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
