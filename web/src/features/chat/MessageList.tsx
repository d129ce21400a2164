import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { OutboxItem } from '../../realtime';
import type { Member, Message } from '../../types';
import type { Timeline } from './hooks';
import { MessageItem, PendingItem, type MessageActions } from './MessageItem';
import { deliveryStatus } from './timeline';

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
}

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

  const roots = timeline.messages.filter((m) => m.parentId === null);
  const newest = timeline.messages[timeline.messages.length - 1];
  const rootPending = pending.filter((p) => p.parentId === null);

  const scrollToBottom = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // Keep the view steady: restore position after older pages, follow new ones at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const count = roots.length + rootPending.length;
    if (prependFrom.current !== null) {
      el.scrollTop = el.scrollHeight - prependFrom.current;
      prependFrom.current = null;
    } else if (timeline.focusSeq !== null && focused.current !== timeline.focusSeq && timeline.status === 'ready') {
      const target = document.getElementById(`message-${timeline.focusSeq}`);
      if (target) {
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

  if (timeline.status === 'error') {
    return (
      <div className="message-scroller center" role="alert">
        <p>Could not load messages: {timeline.error}</p>
        <button type="button" className="button" onClick={() => void timeline.jumpToLatest()}>
          Try again
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
        tabIndex={0}
        role="log"
        aria-label="Messages"
        aria-busy={timeline.status === 'loading' || timeline.loadingMore}
        data-testid="message-list"
      >
        {timeline.olderCursor !== null ? (
          <div className="history-edge">
            <button type="button" className="link-button" onClick={() => void loadOlder()} disabled={timeline.loadingMore} data-testid="load-older">
              {timeline.loadingMore ? 'Loading…' : 'Load older messages'}
            </button>
          </div>
        ) : (
          timeline.status === 'ready' && <div className="history-edge muted small">This is the beginning of the conversation.</div>
        )}
        {timeline.status === 'loading' && <p className="muted center">Loading messages…</p>}
        <ol className="messages">
          {roots.map((m) => (
            <MessageItem
              key={m.id}
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
            />
          ))}
          {!timeline.hasNewer &&
            rootPending.map((p) => (
              <PendingItem key={p.clientId} body={p.body} author={props.meName} lastError={p.lastError} files={p.attachmentIds?.length ?? 0} onDiscard={() => props.onDiscard(p.clientId)} />
            ))}
        </ol>
        {timeline.hasNewer && (
          <div className="history-edge">
            <button type="button" className="link-button" onClick={() => void timeline.loadNewer()} disabled={timeline.loadingMore}>
              Load newer messages
            </button>
          </div>
        )}
      </div>
      {showJump && (
        <button type="button" className="button jump-latest" onClick={() => void jump()} data-testid="jump-latest">
          {unseen > 0 ? `${unseen} new · ` : ''}Jump to latest ↓
        </button>
      )}
    </div>
  );
}
