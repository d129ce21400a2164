import { Fragment, useCallback, useEffect, useEffectEvent, useLayoutEffect, useRef, useState } from 'react';
import type { OutboxItem } from '../../realtime';
import type { Member, Message } from '../../types';
import type { Timeline } from './hooks';
import { MessageItem, PendingItem, type MessageActions } from './MessageItem';
import { deliveryStatus } from './timeline';
import { dayLabel, dayStarts, firstUnread } from './catchup';
import { t } from '../../i18n';

interface Props extends MessageActions {
  timeline: Timeline;
  members: Member[];
  pending: readonly OutboxItem[];
  meId: string;
  meName: string;
  canEdit(m: Message): boolean;
  canDelete(m: Message): boolean;
  canPin?: boolean;
  onDiscard(clientId: string): void;
  /** Called with the newest seq while the newest message is on screen. */
  onReadUpTo(seq: number): void;
  /** My read position when the room opened, while something was unread: the "New messages" divider goes after it. */
  readAtOpen?: number | null;
  /** Unread messages in the room now (the bar with "Mark as read"). */
  unread?: number;
  onMarkRead?(): void;
  /** Edit this message (Up in the empty composer); a new nonce for each request. */
  editRequest?: { id: string; nonce: number } | null;
  onEditRequestDone?(): void;
}

/** The messages of the list, in order, as the roving focus moves among them. */
const rowsOf = (list: HTMLElement | null) => [...(list?.querySelectorAll<HTMLElement>(':scope > li.message[data-id]') ?? [])];

const NEAR_BOTTOM_PX = 60;
const NEAR_TOP_PX = 120;

/** The scrolling history of a room: scroll-back paging, stick-to-bottom, jump to latest. */
export function MessageList(props: Props) {
  const { timeline, members, pending, meId, onReadUpTo } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const prependFrom = useRef<number | null>(null);
  const focused = useRef<number | null>(null);
  const lastCount = useRef(0);
  const lastPending = useRef(0);
  /** Where the room opened (at the divider or the end) has been decided. */
  const opened = useRef(false);
  const list = useRef<HTMLOListElement>(null);
  /** The message that is the list's one tab stop (the newest until the focus moves). */
  const [activeId, setActiveId] = useState<string | null>(null);

  const roots = timeline.messages.filter((m) => m.parentId === null);
  const newest = timeline.messages[timeline.messages.length - 1];
  const rootPending = pending.filter((p) => p.parentId === null);
  const days = dayStarts(roots);
  const now = new Date();
  // The divider needs the window to reach back to the read position (or the room's start).
  const first = timeline.messages[0];
  const covers = props.readAtOpen != null && first !== undefined && (first.seq <= props.readAtOpen + 1 || timeline.olderCursor === null);
  const dividerSeq = covers && props.readAtOpen != null ? firstUnread(roots, props.readAtOpen, meId) : null;
  const tabStop = roots.some((m) => m.id === activeId) ? activeId : (roots[roots.length - 1]?.id ?? null);

  const scrollToBottom = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // Keep the view steady: restore position after older pages, follow new ones at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const count = roots.length + rootPending.length;
    const sentNow = rootPending.length > lastPending.current;
    lastPending.current = rootPending.length;
    if (prependFrom.current !== null) {
      el.scrollTop = el.scrollHeight - prependFrom.current;
      prependFrom.current = null;
    } else if (!opened.current && timeline.status === 'ready' && timeline.focusSeq === null) {
      // Open at the "New messages" divider when what follows it does not fit, else at the end.
      opened.current = true;
      const divider = el.querySelector<HTMLElement>('[data-testid="unread-divider"]');
      // A little room above it for the day separator and the unread bar.
      const top = divider ? divider.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop - 56 : null;
      if (top !== null && top < el.scrollHeight - el.clientHeight) {
        el.scrollTop = top;
        atBottom.current = false;
        setShowJump(true);
      } else {
        scrollToBottom();
      }
    } else if (sentNow) {
      // What I just sent scrolls into view, wherever I was reading.
      atBottom.current = true;
      setUnseen(0);
      setShowJump(false);
      scrollToBottom();
    } else if (timeline.focusSeq !== null && focused.current !== timeline.focusSeq && timeline.status === 'ready') {
      const target = document.getElementById(`message-${timeline.focusSeq}`);
      if (target) {
        opened.current = true;
        focused.current = timeline.focusSeq;
        target.scrollIntoView({ block: 'center' });
        target.focus({ preventScroll: true });
        atBottom.current = false;
        setShowJump(true);
      }
    } else if (atBottom.current) {
      scrollToBottom();
    } else if (count > lastCount.current) {
      setUnseen((n) => n + (count - lastCount.current));
    }
    lastCount.current = count;
  }, [roots.length, rootPending.length, timeline.focusSeq, timeline.status, scrollToBottom]);

  // Sent while looking at older history: the tail (with the message) comes back first.
  const jumpToLatest = timeline.jumpToLatest;
  const pendingSeen = useRef(rootPending.length);
  useEffect(() => {
    const sent = rootPending.length > pendingSeen.current;
    pendingSeen.current = rootPending.length;
    if (sent && timeline.hasNewer) {
      atBottom.current = true;
      void jumpToLatest();
    }
  }, [rootPending.length, timeline.hasNewer, jumpToLatest]);

  useEffect(() => {
    if (timeline.focusSeq === null) focused.current = null;
  }, [timeline.focusSeq]);

  const loadOlder = useCallback(async () => {
    const el = scroller.current;
    if (!el || timeline.olderCursor === null || timeline.loadingMore) return;
    prependFrom.current = el.scrollHeight - el.scrollTop;
    await timeline.loadOlder();
  }, [timeline]);

  const markIfVisible = useCallback(() => {
    if (atBottom.current && !timeline.hasNewer && newest && document.visibilityState === 'visible') onReadUpTo(newest.seq);
  }, [timeline.hasNewer, newest, onReadUpTo]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    atBottom.current = bottom;
    setShowJump(!bottom || timeline.hasNewer);
    if (bottom) {
      setUnseen(0);
      if (timeline.hasNewer) void timeline.loadNewer();
      markIfVisible();
    }
    if (el.scrollTop < NEAR_TOP_PX) void loadOlder();
  };

  useEffect(() => {
    markIfVisible();
    const onVisible = () => markIfVisible();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('focus', onVisible);
    };
  }, [markIfVisible]);

  useEffect(() => setShowJump((s) => s || timeline.hasNewer), [timeline.hasNewer]);

  const jump = async () => {
    if (timeline.hasNewer || timeline.focusSeq !== null) await timeline.jumpToLatest();
    atBottom.current = true;
    setUnseen(0);
    setShowJump(false);
    scrollToBottom();
    markIfVisible();
  };

  // Roving focus: arrows move between messages, Home and End to the first and last (listened
  // to on the list element: a list is no widget of its own).
  const onListKey = useEffectEvent((e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (!target.matches('li.message[data-id]')) return;
    const all = rowsOf(list.current);
    const i = all.indexOf(target);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = Math.min(all.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = all.length - 1;
    else if (e.key === 'PageDown') next = Math.min(all.length - 1, i + 5);
    else if (e.key === 'PageUp') next = Math.max(0, i - 5);
    if (next === null) return;
    e.preventDefault();
    if (e.key === 'ArrowUp' && i === 0) void loadOlder();
    const row = all[next];
    if (!row) return;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  });
  const onListFocus = useEffectEvent((e: FocusEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('li.message[data-id]');
    if (row?.dataset.id) setActiveId(row.dataset.id);
  });
  const listShown = timeline.status !== 'error';
  useEffect(() => {
    const el = list.current;
    if (!el) return undefined;
    const key = (e: KeyboardEvent) => onListKey(e);
    const focus = (e: FocusEvent) => onListFocus(e);
    el.addEventListener('keydown', key);
    el.addEventListener('focusin', focus);
    return () => {
      el.removeEventListener('keydown', key);
      el.removeEventListener('focusin', focus);
    };
  }, [listShown]);

  if (timeline.status === 'error') {
    return (
      <div className="message-scroller center" role="alert">
        <p>{t('messageList.couldNotLoadMessages')}{' '}{timeline.error}</p>
        <button type="button" className="button" onClick={() => void timeline.jumpToLatest()}>
          {t('common.tryAgain')}
        </button>
      </div>
    );
  }

  return (
    <div className="message-list-wrap">
      <div
        ref={scroller}
        className="message-scroller"
        onScroll={onScroll}
        tabIndex={roots.length === 0 ? 0 : -1}
        role="log"
        aria-label={t('messageList.messages')}
        aria-busy={timeline.status === 'loading' || timeline.loadingMore}
        data-testid="message-list"
      >
        {timeline.olderCursor !== null ? (
          <div className="history-edge">
            <button type="button" className="link-button" onClick={() => void loadOlder()} disabled={timeline.loadingMore} data-testid="load-older">
              {timeline.loadingMore ? t('common.loading') : t('messageList.loadOlderMessages')}
            </button>
          </div>
        ) : (
          timeline.status === 'ready' && <div className="history-edge muted small">{t('messageList.thisBeginningConversation')}</div>
        )}
        {timeline.status === 'loading' && <p className="muted center">{t('messageList.loadingMessages')}</p>}
        <span id="message-keys-hint" className="visually-hidden">
          {t('messageList.arrowKeysMoveBetweenMessages')}
        </span>
        <ol className="messages" ref={list}>
          {roots.map((m) => (
            <Fragment key={m.id}>
              {days.has(m.seq) && (
                <li className="day-separator" data-testid="day-separator">
                  <span>{dayLabel(m.createdAt, now)}</span>
                </li>
              )}
              {m.seq === dividerSeq && (
                <li className="unread-divider" data-testid="unread-divider">
                  <span>{t('messageList.newMessages')}</span>
                </li>
              )}
              <MessageItem
                message={m}
                mine={m.author.id === meId}
                status={deliveryStatus(m, members)}
                canEdit={props.canEdit(m)}
                canDelete={props.canDelete(m)}
                canPin={props.canPin}
                highlighted={m.seq === timeline.focusSeq}
                onReact={props.onReact}
                onReply={props.onReply}
                onEdit={props.onEdit}
                onDelete={props.onDelete}
                onPin={props.onPin}
                tabbable={m.id === tabStop}
                editRequest={props.editRequest?.id === m.id ? props.editRequest.nonce : 0}
                onEditRequestDone={props.onEditRequestDone}
              />
            </Fragment>
          ))}
          {!timeline.hasNewer &&
            rootPending.map((p) => (
              <PendingItem key={p.clientId} body={p.body} author={props.meName} lastError={p.lastError} files={p.attachmentIds?.length ?? 0} onDiscard={() => props.onDiscard(p.clientId)} />
            ))}
        </ol>
        {timeline.hasNewer && (
          <div className="history-edge">
            <button type="button" className="link-button" onClick={() => void timeline.loadNewer()} disabled={timeline.loadingMore}>
              {t('messageList.loadNewerMessages')}
            </button>
          </div>
        )}
      </div>
      {(props.unread ?? 0) > 0 && props.onMarkRead && (
        <div className="unread-bar" role="status" data-testid="unread-bar">
          <span>
            {t('messageList.newMessageCount', { count: props.unread ?? 0 })}
          </span>
          <button type="button" className="link-button small" onClick={props.onMarkRead} data-testid="mark-read">
            {t('messageList.markAsRead')}
          </button>
        </div>
      )}
      {showJump && (
        <button type="button" className="button jump-latest" onClick={() => void jump()} data-testid="jump-latest">
          {unseen > 0 ? t('messageList.unseenNew', { unseen }) : ''}{t('messageList.jumpLatest')}
        </button>
      )}
    </div>
  );
}
