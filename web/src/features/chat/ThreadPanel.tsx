import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, errorMessage } from '../../api';
import { useOutbox, useRealtime, useRealtimeEvent } from '../../realtime';
import type { Member, Message } from '../../types';
import { Composer } from './Composer';
import { MessageItem, PendingItem, type MessageActions } from './MessageItem';
import { applyReaction, deliveryStatus, mergeMessages } from './timeline';
import { t } from '../../i18n';

interface Props extends Omit<MessageActions, 'onReply'> {
  roomId: string;
  rootId: string;
  members: Member[];
  meId: string;
  meName: string;
  canEdit(m: Message): boolean;
  canDelete(m: Message): boolean;
  canPin?: boolean;
  /** A reply to highlight (opened from a search hit). */
  highlightSeq?: number | null;
  /** Shown instead of the composer (an archived room). */
  composerNotice?: ReactNode;
  onClose(): void;
}

/** A thread: its root, the replies (live), and a composer that replies with parentId. */
export function ThreadPanel(props: Props) {
  const { roomId, rootId, members, meId, onClose, highlightSeq = null } = props;
  const client = useRealtime();
  const [root, setRoot] = useState<Message | null>(null);
  const [replies, setReplies] = useState<Message[]>([]);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const outbox = useOutbox(roomId);
  const pending = outbox.filter((p) => p.parentId === rootId && !replies.some((r) => r.clientId === p.clientId));

  useEffect(() => {
    let cancelled = false;
    setRoot(null);
    setReplies([]);
    setError(null);
    api.messages
      .thread(rootId)
      .then((t) => {
        if (cancelled) return;
        setRoot(t.root);
        setReplies((live) => mergeMessages(live, t.replies));
      })
      .catch((err: unknown) => !cancelled && setError(errorMessage(err)));
    heading.current?.focus();
    return () => {
      cancelled = true;
    };
  }, [rootId]);

  const scroller = useRef<HTMLDivElement>(null);
  const shown = useRef(false);
  useEffect(() => {
    if (highlightSeq === null || shown.current || replies.length === 0) return;
    const target = scroller.current?.querySelector<HTMLElement>(`[data-seq="${highlightSeq}"]`);
    if (!target) return;
    shown.current = true;
    target.scrollIntoView?.({ block: 'center' });
  }, [highlightSeq, replies]);

  const replace = (m: Message) => {
    if (m.id === rootId) setRoot(m);
    else setReplies((rs) => rs.map((r) => (r.id === m.id ? m : r)));
  };
  useRealtimeEvent('message', (m) => {
    if (m.parentId === rootId) setReplies((rs) => mergeMessages(rs, [m]));
  });
  useRealtimeEvent('messageUpdated', replace);
  useRealtimeEvent('messageDeleted', replace);
  useRealtimeEvent('pinned', ({ messageId, pinned }) => {
    if (messageId === rootId) setRoot((r) => (r ? { ...r, pinned } : r));
    else setReplies((rs) => rs.map((r) => (r.id === messageId ? { ...r, pinned } : r)));
  });
  useRealtimeEvent('reaction', (u) => {
    if (u.roomId !== roomId) return;
    if (u.messageId === rootId) setRoot((r) => (r ? { ...r, reactions: applyReaction(r.reactions, u, meId) } : r));
    else setReplies((rs) => rs.map((r) => (r.id === u.messageId ? { ...r, reactions: applyReaction(r.reactions, u, meId) } : r)));
  });

  const item = (m: Message) => (
    <MessageItem
      key={m.id}
      message={m}
      mine={m.author.id === meId}
      status={deliveryStatus(m, members)}
      canEdit={props.canEdit(m)}
      canDelete={props.canDelete(m)}
      canPin={props.canPin}
      highlighted={highlightSeq !== null && m.seq === highlightSeq}
      onReact={props.onReact}
      onEdit={props.onEdit}
      onDelete={props.onDelete}
      onPin={props.onPin}
    />
  );

  return (
    <aside
      className="side-panel thread-panel"
      aria-labelledby="thread-title"
      data-testid="thread-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) onClose();
      }}
    >
      <header className="side-panel-header">
        <h2 id="thread-title" ref={heading} tabIndex={-1}>
          {t('threadPanel.thread')}
        </h2>
        <button type="button" className="icon-button" aria-label={t('threadPanel.closeThread')} onClick={onClose} data-testid="close-thread">
          ×
        </button>
      </header>
      <div className="thread-scroller" ref={scroller}>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        {!root && !error && <p className="muted">{t('threadPanel.loadingThread')}</p>}
        <ol className="messages">
          {root && item(root)}
          {root && <li className="thread-divider muted small">{t('common.replyCount', { count: replies.length })}</li>}
          {replies.map(item)}
          {pending.map((p) => (
            <PendingItem key={p.clientId} body={p.body} author={props.meName} lastError={p.lastError} files={p.attachmentIds?.length ?? 0} onDiscard={() => client?.discard(p.clientId)} />
          ))}
        </ol>
      </div>
      {props.composerNotice ?? <Composer roomId={roomId} parentId={rootId} placeholder={t('threadPanel.replyThread')} testIdSuffix="-thread" />}
    </aside>
  );
}
