import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { api, errorMessage, isApiError } from '../../api';
import { useOutbox, useRealtime, useRealtimeEvent, useWatch } from '../../realtime';
import type { Message, Room, UserStatus } from '../../types';
import { ConfirmDialog } from '../../ui/Dialog';
import { WriteButton } from '../../ui/readOnly';
import { Link, navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { useRoomsOptional } from '../rooms/RoomsContext';
import { Composer, type DraftRequest, type FileDrop } from './Composer';
import { FilesPanel } from './FilesPanel';
import { useReadOnly } from '../../ui/readOnly';
import { ExportMenu } from './ExportMenu';
import { RoomNotifyMenu } from '../notifications/RoomNotifyMenu';
import { useMembers, useTimeline, useTyping } from './hooks';
import { MembersPanel, TypingLine } from './MembersPanel';
import { MessageList } from './MessageList';
import { PinsPanel } from './PinsPanel';
import { StatusesContext } from './StatusMark';
import { ThreadPanel } from './ThreadPanel';
import { useMessageActions } from './useMessageActions';
import { ArchivedBanner, ArchivedComposerNotice } from '../rooms/ArchivedBanner';
import { RoomSettingsButton } from '../rooms/RoomSettingsDialog';
import { useSlashCommands } from './useSlashCommands';
import { usePopover } from '../../ui/popover';
import { opensAtUnread } from './catchup';
import { t } from '../../i18n';

/** More unread than this opens the room around the first unread (one page of history). */
const OPEN_AT_UNREAD_PAGE = 50;

interface Props {
  roomId: string;
  /** Scroll to and highlight this seq (a search result). */
  focusSeq?: number | null;
  /** Replaces the default title bar (ticket header). */
  header?: ReactNode;
  /** Extra side panel (ticket assistant). */
  aside?: ReactNode;
  draft?: DraftRequest | null;
  /** Shown instead of the composer (a customer's closed ticket). */
  composerNotice?: ReactNode;
  /** Open this thread at once (a search hit that is a reply). */
  initialThreadId?: string | null;
}

function composerPlaceholder(room: Room | null, role: string): string {
  if (!room) return t('chatRoom.writeMessage');
  if (room.kind === 'ticket') return role === 'customer' ? t('chatRoom.writeReply') : t('chatRoom.replyTicket');
  return room.kind === 'dm' ? t('chatRoom.messageTitle', { title: room.title }) : t('chatRoom.messageTitle2', { title: room.title });
}

/** One room: history, thread panel, members with presence, typing line and composer. */
export function ChatRoom({ roomId, focusSeq = null, header, aside, draft, composerNotice, initialThreadId = null }: Props) {
  const me = useUser();
  const client = useRealtime();
  const rooms = useRoomsOptional();
  const toast = useToast();
  const known = rooms?.rooms.find((r) => r.id === roomId) ?? null;
  const [fetched, setFetched] = useState<Room | null>(null);
  const [roomError, setRoomError] = useState<string | null>(null);
  /** The room does not exist or is not mine to read (404/403): one friendly page, no raw errors. */
  const [noAccess, setNoAccess] = useState(false);
  const room = known ?? fetched;
  // The read position when the room opened (kept while I read on): where "New messages" goes.
  const [opened, setOpened] = useState<{ lastReadSeq: number; unread: number } | null>(null);
  useEffect(() => {
    if (!opened && room) setOpened({ lastReadSeq: room.lastReadSeq, unread: room.myRole ? room.unread : 0 });
  }, [opened, room]);
  const readAtOpen = opened && opened.unread > 0 ? opened.lastReadSeq : null;
  const mainRef = useRef<HTMLElement>(null);
  const [editRequest, setEditRequest] = useState<{ id: string; nonce: number } | null>(null);
  const [headerMenu, setHeaderMenu] = useState(false);
  const headerActions = useRef<HTMLDivElement>(null);
  const headerToggle = useRef<HTMLButtonElement>(null);
  usePopover(headerMenu, headerActions, headerToggle, useCallback(() => setHeaderMenu(false), []));
  // Members' sockets follow their rooms; any other room (a public room previewed, a
  // department ticket opened from the queue) is followed live while shown.
  const watch = useWatch(roomId, rooms !== null && !rooms.loading && known === null);
  // History and members load once the room is known to be readable, from where it opened.
  const timeline = useTimeline(roomId, focusSeq, me.id, {
    ready: opened !== null,
    openAt: opened && opened.unread > 0 && opensAtUnread(opened.unread, OPEN_AT_UNREAD_PAGE) ? opened.lastReadSeq + 1 : null,
  });
  const members = useMembers(roomId, room !== null);
  const statuses = useMemo(() => new Map(members.flatMap((m): [string, UserStatus][] => (m.status ? [[m.user.id, m.status]] : []))), [members]);
  const typing = useTyping(roomId, me.id);
  const outbox = useOutbox(roomId);
  const [threadId, setThreadId] = useState<string | null>(initialThreadId);
  useEffect(() => setThreadId(initialThreadId), [initialThreadId]);
  const [showMembers, setShowMembers] = useState(() => !header && typeof window !== 'undefined' && window.innerWidth >= 1200);
  const [showPins, setShowPins] = useState(false);
  const [showFiles, setShowFiles] = useState(false);
  const readOnly = useReadOnly();
  const [dragging, setDragging] = useState(false);
  const [dropped, setDropped] = useState<FileDrop | null>(null);
  const dragDepth = useRef(0);
  const [leaving, setLeaving] = useState(false);
  const askLeave = useCallback(() => setLeaving(true), []);
  const { actions, canEdit, canDelete, canPin, dialog } = useMessageActions(timeline.replace, room?.myRole ?? null);
  // Rooms and DMs show their pins; a ticket (with a header of its own) does not.
  const pins = header ? null : { canPin, onPin: actions.onPin };

  useEffect(() => {
    if (known) return undefined;
    let cancelled = false;
    setRoomError(null);
    api.rooms
      .get(roomId)
      .then((r) => !cancelled && setFetched(r))
      .catch((err: unknown) => {
        if (cancelled) return;
        setNoAccess(isApiError(err) && (err.status === 404 || err.status === 403));
        setRoomError(errorMessage(err));
      });
    return () => {
      cancelled = true;
    };
  }, [roomId, known]);

  const setActive = rooms?.setActive;
  const markedRead = rooms?.markedRead;
  useEffect(() => {
    setActive?.(roomId);
    return () => setActive?.(null);
  }, [roomId, setActive]);

  useRealtimeEvent('roomUpdated', (patch) => {
    if (patch.id === roomId) setFetched((r) => (r ? { ...r, ...patch } : r));
  });
  useRealtimeEvent('roomDeleted', ({ roomId: id }) => {
    if (id !== roomId) return;
    toast.show(t('chatRoom.thisRoomWasDeleted'), 'info');
    navigate('/');
  });

  const onReadUpTo = useCallback(
    (seq: number) => {
      client?.markRead(roomId, seq);
      markedRead?.(roomId, seq);
    },
    [client, roomId, markedRead],
  );

  const openThread = useCallback((m: Message) => setThreadId(m.id), []);

  /** Everything up to the newest message is read (Esc, or "Mark as read"). */
  const newestSeq = Math.max(room?.lastSeq ?? 0, timeline.messages[timeline.messages.length - 1]?.seq ?? 0);
  const markAllRead = () => {
    if (room?.myRole && newestSeq > 0) onReadUpTo(newestSeq);
  };

  /** Up in the empty composer: my last message (in the room, not a thread) opens for editing. */
  const editLast = () => {
    const mine = [...timeline.messages].reverse().find((m) => m.parentId === null && m.author.id === me.id && m.deletedAt === null && m.body !== null);
    if (mine) setEditRequest((r) => ({ id: mine.id, nonce: (r?.nonce ?? 0) + 1 }));
  };
  // Esc anywhere in the room marks it read, unless something closer used it (a menu, a dialog,
  // an edit): listened to on the document, after React's handlers had their say.
  const onEscape = useEffectEvent((e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (e.key === 'Escape' && !e.defaultPrevented && mainRef.current?.contains(target) && !target.closest('dialog')) markAllRead();
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onEscape(e);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);
  const focusComposer = useCallback(() => mainRef.current?.querySelector<HTMLTextAreaElement>('[data-testid="composer"]')?.focus(), []);

  const join = async () => {
    try {
      const joined = await api.rooms.join(roomId);
      const base = joined ?? room;
      if (base) {
        const r = { ...base, myRole: joined?.myRole ?? 'member' };
        rooms?.upsert(r);
        setFetched(r);
      }
    } catch (err) {
      toast.error(err, t('chatRoom.couldNotJoin'));
    }
  };

  const leave = async () => {
    try {
      await api.rooms.leave(roomId);
      rooms?.remove(roomId);
      navigate('/');
    } catch (err) {
      toast.error(err, t('chatRoom.couldNotLeaveRoom'));
    } finally {
      setLeaving(false);
    }
  };

  const onCommand = useSlashCommands(room, askLeave);
  const sentIds = new Set(timeline.messages.map((m) => m.clientId));
  const pending = outbox.filter((p) => !sentIds.has(p.clientId));
  const mustJoin = room !== null && room.kind === 'public' && room.myRole === null && me.role !== 'customer';
  const canLeave = room !== null && room.myRole !== null && (room.kind === 'public' || room.kind === 'private');
  const archived = Boolean(room?.archivedAt);
  const canDrop = !mustJoin && !composerNotice && !readOnly && !archived;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const drag = {
    onDragEnter: (e: DragEvent) => {
      if (!canDrop || !hasFiles(e)) return;
      e.preventDefault();
      dragDepth.current += 1;
      setDragging(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!canDrop || !hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: () => {
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      dragDepth.current = 0;
      setDragging(false);
      if (!canDrop) return;
      const files = Array.from(e.dataTransfer.files);
      if (files.length === 0) return;
      e.preventDefault();
      setDropped((d) => ({ files, nonce: (d?.nonce ?? 0) + 1 }));
    },
  };

  if ((roomError && !room) || (watch === 'gone' && !room)) {
    return (
      <main className="page" id="main" data-testid="room-unavailable" data-room-id={roomId}>
        <h1>{noAccess || watch === 'gone' ? t('chatRoom.roomNotFound') : t('chatRoom.roomUnavailable')}</h1>
        <p role="alert">
          {noAccess || watch === 'gone' ? t('chatRoom.thisRoomDoesNotExist') : roomError}
        </p>
        <Link to="/discover">{t('common.discoverRooms')}</Link>
      </main>
    );
  }
  if (watch === 'gone') {
    const what = room?.kind === 'ticket' ? 'ticket' : 'room';
    return (
      <main className="page" id="main" data-testid="room-gone" data-room-id={roomId}>
        <h1>{what === 'ticket' ? t('common.ticketUnavailable') : t('chatRoom.roomUnavailable')}</h1>
        <p role="alert">{t('chatRoom.noLongerRead', { what })}</p>
        <Link to={what === 'ticket' ? '/tickets' : '/discover'}>{what === 'ticket' ? t('common.backQueue') : t('common.discoverRooms')}</Link>
      </main>
    );
  }

  // What the room's list and its thread panel both need to show and act on messages.
  const messageProps = {
    members,
    meId: me.id,
    meName: me.name,
    // Nothing changes in an archived room: its message actions are not offered.
    canEdit: archived ? () => false : canEdit,
    canDelete: archived ? () => false : canDelete,
    canPin: archived ? false : pins?.canPin,
    onReact: actions.onReact,
    onEdit: actions.onEdit,
    onDelete: actions.onDelete,
    onPin: pins?.onPin,
  };

  return (
    <StatusesContext.Provider value={statuses}>
      <main
        className="chat"
        id="main"
        aria-label={room ? room.title : t('chatRoom.room')}
        data-testid="chat-room"
        data-room-id={roomId}
        data-watch={watch}
        ref={mainRef}
      >
        {header ?? (
          <header className="chat-header">
            <div className="chat-title">
              <h1>
                <span aria-hidden="true">{room?.kind === 'dm' ? '@' : room?.kind === 'private' ? '🔒' : '#'} </span>
                {room?.title ?? '…'}
              </h1>
              {room?.description && <p className="muted small">{room.description}</p>}
            </div>
            <button
              ref={headerToggle}
              type="button"
              className="icon-button header-menu-toggle"
              aria-label={t('chatRoom.roomActions')}
              aria-expanded={headerMenu}
              aria-controls={`room-actions-${roomId}`}
              onClick={() => setHeaderMenu((o) => !o)}
              data-testid="header-menu"
            >
              <span aria-hidden="true">⋯</span>
            </button>
            <div
              ref={headerActions}
              id={`room-actions-${roomId}`}
              role="group"
              aria-label={t('chatRoom.roomActions')}
              className={`chat-header-actions ${headerMenu ? 'open' : ''}`}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && headerMenu) {
                  e.preventDefault();
                  setHeaderMenu(false);
                  headerToggle.current?.focus();
                }
              }}
            >
              <button
                type="button"
                className="button small"
                aria-pressed={showPins}
                onClick={() => {
                  setShowPins((s) => !s);
                  setShowMembers(false);
                  setShowFiles(false);
                }}
                data-testid="toggle-pins"
              >
                <span aria-hidden="true">📌</span>{' '}{t('common.pinned')}
              </button>
              <button
                type="button"
                className="button small"
                aria-pressed={showFiles}
                onClick={() => {
                  setShowFiles((s) => !s);
                  setShowPins(false);
                  setShowMembers(false);
                }}
                data-testid="toggle-files"
              >
                <span aria-hidden="true">📁</span>{' '}{t('common.files')}
              </button>
              <button
                type="button"
                className="button small"
                aria-pressed={showMembers}
                onClick={() => {
                  setShowMembers((s) => !s);
                  setShowPins(false);
                  setShowFiles(false);
                }}
                data-testid="toggle-members"
              >
                {t('common.members')}{' '}<span className="muted">· {t('membersPanel.lengthOnlineLength2', { length: members.filter((m) => m.online).length, length2: members.length })}</span>
              </button>
              {room?.myRole && rooms && <RoomNotifyMenu room={room} />}
              {room && <RoomSettingsButton room={room} />}
              <ExportMenu roomId={roomId} />
              {canLeave && (
                <WriteButton className="button small" onClick={() => setLeaving(true)}>
                  {t('chatRoom.leave')}
                </WriteButton>
              )}
            </div>
          </header>
        )}
        <div className="chat-body">
          <div className={`chat-main ${dragging ? 'dragging' : ''}`} {...drag} data-testid="drop-target">
            {dragging && (
              <div className="drop-zone" data-testid="drop-zone" aria-hidden="true">
                <span>{t('chatRoom.dropFilesAttachThem')}</span>
              </div>
            )}
            {room && <ArchivedBanner room={room} />}
            <MessageList
              timeline={timeline}
              pending={pending}
              {...messageProps}
              onReply={openThread}
              onDiscard={(id) => client?.discard(id)}
              onReadUpTo={onReadUpTo}
              readAtOpen={readAtOpen}
              unread={known?.unread ?? 0}
              onMarkRead={room?.myRole ? markAllRead : undefined}
              editRequest={editRequest}
              onEditRequestDone={focusComposer}
            />
            <TypingLine names={typing} />
            {archived ? (
              <ArchivedComposerNotice />
            ) : mustJoin ? (
              <div className="join-bar">
                <span>{t('chatRoom.youViewingRoomJoinWrite')}</span>
                <WriteButton className="button primary" onClick={() => void join()} data-testid="join-room">
                  {t('chatRoom.joinRoom')}
                </WriteButton>
              </div>
            ) : composerNotice ? (
              <div className="join-bar" role="status" data-testid="composer-notice">
                {composerNotice}
              </div>
            ) : (
              <Composer
                roomId={roomId}
                placeholder={composerPlaceholder(room, me.role)}
                draft={draft}
                dropped={dropped}
                onCommand={onCommand}
                onEditLast={editLast}
              />
            )}
          </div>
          {threadId && (
            <ThreadPanel
              roomId={roomId}
              rootId={threadId}
              {...messageProps}
              highlightSeq={threadId === initialThreadId ? focusSeq : null}
              composerNotice={archived ? <ArchivedComposerNotice /> : undefined}
              onClose={() => setThreadId(null)}
            />
          )}
          {showPins && !threadId && room && pins && (
            <PinsPanel room={room} onUnpin={pins.canPin ? (m) => pins.onPin(m, false) : undefined} onClose={() => setShowPins(false)} />
          )}
          {showFiles && !threadId && <FilesPanel roomId={roomId} onClose={() => setShowFiles(false)} />}
          {showMembers && !threadId && <MembersPanel members={members} room={room} onLeave={askLeave} onClose={() => setShowMembers(false)} />}
          {aside}
        </div>
        {dialog}
        <ConfirmDialog
          open={leaving}
          title={t('chatRoom.leaveRoom')}
          message={<p>{t('chatRoom.youWillStopReceiving')}</p>}
          confirmLabel={t('chatRoom.leave')}
          danger
          onConfirm={() => void leave()}
          onCancel={() => setLeaving(false)}
        />
      </main>
    </StatusesContext.Provider>
  );
}
