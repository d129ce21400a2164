import { memo, useEffect, useEffectEvent, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Message } from '../../types';
import { api } from '../../api';
import { Avatar } from '../../ui/Avatar';
import { formatDateTime, formatTime } from '../../ui/format';
import { useToast } from '../../ui/toast';
import { Attachments, PreviewCard } from './Attachments';
import { WriteButton } from '../../ui/readOnly';
import { useSession } from '../auth/session';
import { useSaved } from '../saved/SavedContext';
import { EditedMark } from './EditHistory';
import { ProfileCard } from './ProfileCard';
import { StatusMark, useStatusOf } from './StatusMark';
import { Markup } from './markup/Markup';
import { ReactionPicker } from './ReactionPicker';
import { ReactionChip } from './ReactionChip';
import { editWindowHint, focusables, moveAmong } from './messageKeys';
import type { DeliveryStatus } from './timeline';
import { t, type MessageKey } from '../../i18n';

export interface MessageActions {
  onReact(message: Message, emoji: string, on: boolean): void;
  onReply?(message: Message): void;
  onEdit(message: Message, body: string): Promise<boolean>;
  onDelete(message: Message): void;
  /** Pins or unpins (where the room shows its pins). */
  onPin?(message: Message, pinned: boolean): void;
}

interface Props extends MessageActions {
  message: Message;
  status: DeliveryStatus;
  mine: boolean;
  canEdit: boolean;
  canDelete: boolean;
  canPin?: boolean;
  highlighted?: boolean;
  /**
   * In a list with one tab stop (roving tabindex): whether this message is it. Left out
   * (thread panel), the message's controls are in the Tab order as usual.
   */
  tabbable?: boolean;
  /** Start editing (a nonce: Up in an empty composer); 0 for none. */
  editRequest?: number;
  /** Editing that a request started is over (focus goes back to the composer). */
  onEditRequestDone?: () => void;
}

const STATUS_LABEL: Record<DeliveryStatus, MessageKey> = {
  sending: 'messageItem.sending',
  sent: 'messageItem.sent',
  delivered: 'messageItem.delivered',
  read: 'messageItem.read',
};
const STATUS_ICON: Record<DeliveryStatus, string> = { sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓' };

export function Ticks({ status }: { status: DeliveryStatus }) {
  return (
    <span className={`ticks ticks-${status}`} title={t(STATUS_LABEL[status])} data-testid="message-ticks">
      <span aria-hidden="true">{STATUS_ICON[status]}</span>
      <span className="visually-hidden">{t(STATUS_LABEL[status])}</span>
    </span>
  );
}

function EditForm({
  initial,
  onSave,
  onCancel,
  onEmpty,
}: {
  initial: string;
  onSave: (body: string) => Promise<boolean>;
  onCancel: () => void;
  /** Saving no text: offers to delete the message instead. */
  onEmpty: () => void;
}) {
  const [body, setBody] = useState(initial);
  const [busy, setBusy] = useState(false);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const trimmed = body.trim();
    if (!trimmed) return onEmpty();
    if (trimmed === initial) return onCancel();
    setBusy(true);
    const ok = await onSave(trimmed);
    setBusy(false);
    if (ok) onCancel();
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    }
  };
  return (
    <form className="edit-form" onSubmit={submit}>
      <label className="visually-hidden" htmlFor="edit-body">
        {t('messageItem.editMessage')}
      </label>
      <textarea id="edit-body" value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={onKey} maxLength={5000} autoFocus rows={2} data-testid="edit-input" />
      <div className="edit-actions">
        <button type="button" className="button small" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="button small primary" disabled={busy} data-testid="edit-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

function MessageItemImpl(props: Props) {
  const { message, status, mine, canEdit, canDelete, canPin = false, highlighted, tabbable, editRequest = 0, onEditRequestDone } = props;
  const roving = tabbable !== undefined;
  const [editing, setEditing] = useState(false);
  const [actionsOpen, setActionsOpen] = useState(false);
  const row = useRef<HTMLLIElement>(null);
  const toolbar = useRef<HTMLDivElement>(null);
  /** Editing started from the composer: it gets the focus back. */
  const requested = useRef(false);
  const [profileOpen, setProfileOpen] = useState(false);
  const authorStatus = useStatusOf(message.author.id);
  const saved = useSaved();
  const deleted = message.deletedAt !== null || message.body === null;
  const isSaved = saved?.isSaved(message.id) ?? false;
  const me = useSession().user;
  // The handle the server matched to me (it may have changed since), else my current one.
  const myHandle = message.mentions?.find((m) => m.userId === me?.id)?.handle ?? me?.handle ?? undefined;
  const toast = useToast();
  const { config, readOnly } = useSession();
  // My message whose edit window passed: the edit button says so instead of vanishing.
  const editClosed = mine && !canEdit && !deleted && !readOnly ? editWindowHint(message.createdAt, config.editWindowSecs) : null;

  // Up in an empty composer: edit this message, or say why it cannot be (only a new request
  // starts this).
  const startRequestedEdit = useEffectEvent(() => {
    if (canEdit && !deleted) {
      requested.current = true;
      setEditing(true);
      row.current?.scrollIntoView({ block: 'nearest' });
    } else {
      toast.show(editClosed ?? t('messageItem.thisMessageCannotBeEdited'), 'info');
      onEditRequestDone?.();
    }
  });
  useEffect(() => {
    if (editRequest > 0) startRequestedEdit();
  }, [editRequest]);

  const stopEditing = () => {
    setEditing(false);
    if (requested.current) {
      requested.current = false;
      onEditRequestDone?.();
    }
  };

  // One tab stop for the whole list: the controls inside a message join the Tab order only
  // while its actions are open (Enter on the message) or it is being edited.
  useLayoutEffect(() => {
    const li = row.current;
    if (!li || !roving) return;
    const inside = actionsOpen || editing;
    for (const el of focusables(li)) el.tabIndex = inside ? 0 : -1;
  });
  useEffect(() => {
    if (actionsOpen) toolbar.current?.querySelector<HTMLElement>('button:not([aria-disabled="true"]), button')?.focus();
  }, [actionsOpen]);

  // Enter (or the context-menu key, Shift+F10) on the message opens its actions; they close
  // when the focus leaves it. Listened to on the row element: a list item is no widget.
  const onRowKey = useEffectEvent((e: globalThis.KeyboardEvent) => {
    if (e.target !== row.current) return;
    if (e.key === 'Enter' || e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      if (deleted || editing) return;
      e.preventDefault();
      setActionsOpen(true);
    }
  });
  const onRowFocusOut = useEffectEvent((e: FocusEvent) => {
    if (actionsOpen && !row.current?.contains(e.relatedTarget as Node | null)) setActionsOpen(false);
  });
  useEffect(() => {
    const li = row.current;
    if (!li || !roving) return undefined;
    const key = (e: globalThis.KeyboardEvent) => onRowKey(e);
    const out = (e: FocusEvent) => onRowFocusOut(e);
    li.addEventListener('keydown', key);
    li.addEventListener('focusout', out);
    return () => {
      li.removeEventListener('keydown', key);
      li.removeEventListener('focusout', out);
    };
  }, [roving]);
  const onToolbarKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape' && actionsOpen) {
      e.preventDefault();
      e.stopPropagation();
      setActionsOpen(false);
      row.current?.focus();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const buttons = toolbar.current ? focusables(toolbar.current).filter((el) => el.tagName === 'BUTTON' && !el.closest('.reaction-picker')) : [];
      if (moveAmong(buttons, e.key === 'ArrowRight' ? 1 : -1)) e.preventDefault();
    }
  };

  // Hidden at once when I remove it; the server's `message:updated` follows.
  const [previewGone, setPreviewGone] = useState<string | null>(null);
  const preview = !deleted && message.preview && previewGone !== message.preview.url ? message.preview : null;
  const attachments = deleted ? [] : (message.attachments ?? []);
  const removePreview = async () => {
    if (!message.preview) return;
    const url = message.preview.url;
    try {
      await api.messages.removePreview(message.id);
      setPreviewGone(url);
    } catch (err) {
      toast.error(err, t('messageItem.couldNotRemovePreview'));
    }
  };

  return (
    <li
      className={`message with-avatar ${mine ? 'mine' : ''} ${highlighted ? 'highlighted' : ''} ${deleted ? 'deleted' : ''}`}
      data-testid="message"
      data-seq={message.seq}
      data-id={message.id}
      data-status={status}
      id={`message-${message.seq}`}
      tabIndex={tabbable ? 0 : -1}
      ref={row}
      aria-describedby={roving ? 'message-keys-hint' : undefined}
    >
      <Avatar id={message.author.id} name={message.author.name} url={message.author.avatarUrl} size={32} className="message-avatar" />
      <div className="message-meta">
        <button
          type="button"
          className="author link-button"
          onClick={() => setProfileOpen((open) => !open)}
          aria-expanded={profileOpen}
          data-testid="message-author"
        >
          {message.author.name}
        </button>
        {authorStatus && <StatusMark status={authorStatus} testId="author-status" />}
        {message.author.role !== 'staff' && message.author.role !== 'admin' && (
          <span className={`role-badge role-${message.author.role}`}>{message.author.role}</span>
        )}
        <time dateTime={message.createdAt} title={formatDateTime(message.createdAt)}>
          {formatTime(message.createdAt)}
        </time>
        {message.editedAt && !deleted && <EditedMark messageId={message.id} />}
        {message.pinned && !deleted && (
          <span className="pin-mark small" data-testid="pinned-mark">
            <span aria-hidden="true">📌</span>{' '}{t('common.pinned')}
          </span>
        )}
        {mine && !deleted && <Ticks status={status} />}
      </div>
      {profileOpen && <ProfileCard userId={message.author.id} onClose={() => setProfileOpen(false)} />}
      {editing && message.body !== null ? (
        <EditForm
          initial={message.body}
          onSave={(body) => props.onEdit(message, body)}
          onCancel={stopEditing}
          onEmpty={() => {
            stopEditing();
            props.onDelete(message);
          }}
        />
      ) : (
        <div className="message-body" data-testid="message-body">
          {deleted || message.body === null ? (
            <em className="muted">{t('common.messageDeleted')}</em>
          ) : message.body ? (
            <Markup body={message.body} myHandle={myHandle} />
          ) : null}
        </div>
      )}
      {attachments.length > 0 && <Attachments attachments={attachments} />}
      {preview && <PreviewCard preview={preview} onRemove={mine ? () => void removePreview() : undefined} />}
      {!deleted && message.reactions.length > 0 && (
        <ul className="reactions" aria-label={t('messageItem.reactions')}>
          {message.reactions.map((r) => (
            <li key={r.emoji}>
              <ReactionChip
                messageId={message.id}
                reaction={r}
                reactions={message.reactions}
                meId={me?.id ?? ''}
                onToggle={() => props.onReact(message, r.emoji, !r.me)}
              />
            </li>
          ))}
        </ul>
      )}
      {props.onReply && message.replyCount > 0 && !editing && (
        <button type="button" className="link-button replies" onClick={() => props.onReply?.(message)} data-testid="open-thread">
          {t('common.replyCount', { count: message.replyCount })}
        </button>
      )}
      {!deleted && !editing && (
        <div
          ref={toolbar}
          className={`message-actions ${actionsOpen ? 'open' : ''}`}
          role="toolbar"
          aria-label={t('messageItem.messageActions')}
          onKeyDown={onToolbarKey}
          data-testid="message-actions"
        >
          <ReactionPicker label={t('messageItem.addReaction')} onPick={(emoji) => props.onReact(message, emoji, !message.reactions.some((r) => r.emoji === emoji && r.me))} />
          {props.onReply && (
            <WriteButton className="icon-button small" aria-label={t('common.replyThread')} title={t('common.replyThread')} onClick={() => props.onReply?.(message)} data-testid="reply-button">
              <span aria-hidden="true">↩</span>
            </WriteButton>
          )}
          {mine && canEdit && (
            <WriteButton className="icon-button small" aria-label={t('messageItem.editMessage')} title={t('messageItem.edit')} onClick={() => setEditing(true)} data-testid="edit-button">
              <span aria-hidden="true">✎</span>
            </WriteButton>
          )}
          {editClosed && (
            <span className="hint-wrap" data-hint={editClosed}>
              <button
                type="button"
                className="icon-button small"
                aria-label={t('messageItem.editMessage')}
                aria-disabled="true"
                aria-description={editClosed}
                onClick={() => toast.show(editClosed, 'info')}
                data-testid="edit-window-passed"
              >
                <span aria-hidden="true">✎</span>
              </button>
            </span>
          )}
          {canPin && props.onPin && (
            <WriteButton
              className={`icon-button small ${message.pinned ? 'active' : ''}`}
              aria-label={message.pinned ? t('messageItem.unpinMessage') : t('messageItem.pinMessage')}
              title={message.pinned ? t('common.unpin') : t('messageItem.pinRoom')}
              aria-pressed={message.pinned}
              onClick={() => props.onPin?.(message, !message.pinned)}
              data-testid="pin-button"
            >
              <span aria-hidden="true">📌</span>
            </WriteButton>
          )}
          {saved && (
            <button
              type="button"
              className={`icon-button small ${isSaved ? 'active' : ''}`}
              aria-label={isSaved ? t('messageItem.removeFromSaved') : t('messageItem.saveMessage')}
              title={isSaved ? t('messageItem.removeFromSaved') : t('messageItem.saveLater')}
              aria-pressed={isSaved}
              onClick={() => void saved.setSaved(message.id, !isSaved)}
              data-testid="save-button"
            >
              <span aria-hidden="true">🔖</span>
            </button>
          )}
          {canDelete && (
            <WriteButton className="icon-button small" aria-label={t('messageItem.deleteMessage')} title={t('common.delete')} onClick={() => props.onDelete(message)} data-testid="delete-button">
              <span aria-hidden="true">🗑</span>
            </WriteButton>
          )}
        </div>
      )}
    </li>
  );
}

export const MessageItem = memo(MessageItemImpl);

/** An outbox item shown in place until the server acknowledges it. */
export function PendingItem({
  body,
  author,
  lastError,
  onDiscard,
  files = 0,
}: {
  body: string;
  author: string;
  lastError: string | null;
  onDiscard: () => void;
  /** Attachments going with it. */
  files?: number;
}) {
  return (
    <li className="message with-avatar mine pending" data-testid="message" data-seq="" data-status="sending">
      <div className="message-meta">
        <span className="author">{author}</span>
        <Ticks status="sending" />
        <span className="muted small" role="status">
          {lastError && lastError !== 'DISCONNECTED' ? t('messageItem.retrying') : t('common.sending')}
        </span>
      </div>
      <div className="message-body">
        <Markup body={body} />
      </div>
      {files > 0 && (
        <p className="muted small" data-testid="pending-files">
          📎 {files} {files === 1 ? t('messageItem.file') : t('messageItem.files')}
        </p>
      )}
      <div className="message-actions visible">
        <button type="button" className="link-button small" onClick={onDiscard}>
          {t('messageItem.discard')}
        </button>
      </div>
    </li>
  );
}
