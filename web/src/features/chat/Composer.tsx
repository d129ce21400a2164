import { useEffect, useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { browserStore, useRealtime } from '../../realtime';
import { useReadOnly, WriteButton, readOnlyHint } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';
import { insertMention, mentionTrigger, type MentionTrigger } from '../notifications/trigger';
import { MentionSuggest, useMentionOptions, type MentionOption } from './MentionSuggest';
import { parseComposerInput, type SlashCommand } from './slashCommands';
import { canSend, humanSize, pastedName, percent, type UploadItem } from './uploads';
import { useUploads } from './useUploads';
import { useSession } from '../auth/session';
import { draftSlot, loadDraft, saveDraft } from './drafts';
import { lengthState, MAX_MESSAGE_CHARS, textFileName } from './limits';
import { t } from '../../i18n';

/** Files dropped onto the room, handed to its composer. */
export interface FileDrop {
  files: File[];
  nonce: number;
}

/** The pasted files of a clipboard event (images copied from a screenshot tool or a page), named. */
export function pastedFiles(data: DataTransfer | null, now = new Date()): File[] {
  if (!data) return [];
  const files = Array.from(data.files);
  return files.map((f) => (f.name && f.name !== 'image.png' ? f : new File([f], pastedName(f.type || 'image/png', now), { type: f.type || 'image/png' })));
}

function UploadChip({ item, onCancel, onRetry, onRemove }: { item: UploadItem; onCancel: () => void; onRetry: () => void; onRemove: () => void }) {
  const pct = percent(item);
  const running = item.state === 'queued' || item.state === 'uploading';
  return (
    <li className={`upload-chip upload-${item.state}`} data-testid="upload-chip" data-state={item.state}>
      <span className="upload-name" title={item.name}>
        {item.name}
      </span>
      <span className="muted small">{humanSize(item.size)}</span>
      {running && (
        <span
          className="upload-bar"
          role="progressbar"
          aria-label={t('composer.uploadingName', { name: item.name })}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          data-testid="upload-progress"
        >
          <span style={{ width: `${pct}%` }} />
        </span>
      )}
      {item.state === 'done' && (
        <span className="upload-ok small" aria-label={t('composer.uploaded')}>
          ✓
        </span>
      )}
      {item.state === 'failed' && (
        <span className="form-error small" role="alert">
          {item.error ?? t('composer.uploadFailed')}
        </span>
      )}
      {item.state === 'cancelled' && <span className="muted small">{t('composer.cancelled')}</span>}
      {(item.state === 'failed' || item.state === 'cancelled') && (
        <button type="button" className="link-button small" onClick={onRetry} data-testid="upload-retry">
          {t('composer.retry')}
        </button>
      )}
      {running ? (
        <button type="button" className="icon-button small" aria-label={t('composer.cancelName', { name: item.name })} onClick={onCancel} data-testid="upload-cancel">
          ×
        </button>
      ) : (
        <button type="button" className="icon-button small" aria-label={t('common.removeName', { name: item.name })} onClick={onRemove} data-testid="upload-remove">
          ×
        </button>
      )}
    </li>
  );
}

export interface DraftRequest {
  text: string;
  nonce: number;
}

interface Props {
  roomId: string;
  parentId?: string | null;
  placeholder: string;
  /** Text pushed in from outside (assistant suggestions). */
  draft?: DraftRequest | null;
  testIdSuffix?: string;
  autoFocus?: boolean;
  /** Files dropped onto the room. */
  dropped?: FileDrop | null;
  /** Runs `/invite`, `/leave`, `/topic` (rooms only; a thread posts its text); true clears the text. */
  onCommand?: (command: SlashCommand) => Promise<boolean>;
  /** Up in the empty composer: edit my last message. */
  onEditLast?: () => void;
}

const drafts = browserStore();
const TYPING_IDLE_MS = 4000;

/**
 * Writes into the outbox: the message shows as "sending" at once and is delivered when the
 * connection allows, even across a reload.
 */
export function Composer({ roomId, parentId = null, placeholder, draft, testIdSuffix = '', autoFocus, dropped, onCommand, onEditLast }: Props) {
  const client = useRealtime();
  const toast = useToast();
  const readOnly = useReadOnly();
  const userId = useSession().user?.id ?? null;
  const slot = draftSlot(roomId, parentId);
  // The unsent text of this room (or thread), kept across room switches and reloads.
  const [body, setBody] = useState(() => (userId ? loadDraft(drafts, userId, slot) : ''));
  useEffect(() => {
    if (userId) saveDraft(drafts, userId, slot, body);
  }, [userId, slot, body]);
  const length = lengthState(body);
  const ref = useRef<HTMLTextAreaElement>(null);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const id = useId();
  const [trigger, setTrigger] = useState<MentionTrigger | null>(null);
  const [selected, setSelected] = useState(0);
  const [caret, setCaret] = useState<number | null>(null);
  const options = useMentionOptions(roomId, trigger);
  const uploads = useUploads(roomId);
  const picker = useRef<HTMLInputElement>(null);
  const addFiles = uploads.add;
  // Each drop once (by its nonce), whatever else re-runs the effect.
  const lastDrop = useRef<number | null>(null);
  useEffect(() => {
    if (!dropped || readOnly || lastDrop.current === dropped.nonce) return;
    lastDrop.current = dropped.nonce;
    addFiles(dropped.files);
  }, [dropped, addFiles, readOnly]);
  const suggesting = trigger !== null && options.length > 0;

  useEffect(() => setSelected(0), [trigger?.query]);
  // Put the caret after an inserted mention once React has written the new text.
  useLayoutEffect(() => {
    if (caret === null || !ref.current) return;
    ref.current.setSelectionRange(caret, caret);
    setCaret(null);
  }, [caret]);

  const track = (el: HTMLTextAreaElement) => setTrigger(el.selectionStart === el.selectionEnd ? mentionTrigger(el.value, el.selectionStart) : null);

  const pick = (option: MentionOption) => {
    const el = ref.current;
    if (!el || !trigger) return;
    const next = insertMention(el.value, el.selectionStart, trigger, option.handle);
    setBody(next.text);
    setCaret(next.caret);
    setTrigger(null);
  };

  useEffect(() => {
    if (!draft) return;
    setBody(draft.text);
    ref.current?.focus();
  }, [draft]);

  useEffect(
    () => () => {
      if (idle.current) clearTimeout(idle.current);
      client?.setTyping(roomId, false);
    },
    [client, roomId],
  );

  const typing = () => {
    if (!client) return;
    client.setTyping(roomId, true);
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(() => client.setTyping(roomId, false), TYPING_IDLE_MS);
  };

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const text = body.trim();
    if (!canSend(text, uploads.items) || readOnly) return;
    if (lengthState(text).over) {
      toast.show(`A message holds at most ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters: shorten it, or send it as a file.`, 'error');
      return;
    }
    // A slash command is run, never posted; "//" sends a line that starts with "/".
    const input = onCommand && parentId === null && uploads.items.length === 0 ? parseComposerInput(text) : null;
    if (input?.kind === 'command' && onCommand) {
      setTrigger(null);
      void onCommand(input.command).then((done) => done && setBody(''));
      return;
    }
    if (!client) {
      toast.show(t('composer.notConnectedYetTryAgain'), 'error');
      return;
    }
    client.send(roomId, input?.kind === 'message' ? input.text : text, parentId, uploads.attachmentIds);
    client.setTyping(roomId, false);
    setBody('');
    uploads.clear();
    setTrigger(null);
    ref.current?.focus();
  };

  /** The text as a .txt attachment instead (too long for a message). */
  const sendAsFile = () => {
    const file = new File([body], textFileName(), { type: 'text/plain' });
    uploads.add([file]);
    setBody('');
    ref.current?.focus();
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = pastedFiles(e.clipboardData);
    if (files.length === 0 || readOnly) return;
    // Files only: pasted text goes in as usual.
    if (!e.clipboardData.getData('text/plain')) e.preventDefault();
    uploads.add(files);
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggesting && !e.nativeEvent.isComposing) {
      const pickKey = (e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab';
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : options.length - 1;
        setSelected((i) => (i + step) % options.length);
        return;
      }
      if (pickKey) {
        e.preventDefault();
        const option = options[Math.min(selected, options.length - 1)];
        if (option) pick(option);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setTrigger(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
    if (e.key === 'ArrowUp' && onEditLast && body === '' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      onEditLast();
    }
  };

  return (
    <form className="composer" onSubmit={send} aria-label={parentId ? t('common.replyThread') : t('composer.sendMessage')}>
      {suggesting && <MentionSuggest id={`${id}-mentions`} options={options} selected={selected} onPick={pick} />}
      {uploads.items.length > 0 && (
        <ul className="upload-chips" aria-label={t('composer.filesSend')} data-testid={`upload-chips${testIdSuffix}`}>
          {uploads.items.map((item) => (
            <UploadChip
              key={item.key}
              item={item}
              onCancel={() => uploads.cancel(item.key)}
              onRetry={() => uploads.retry(item.key)}
              onRemove={() => uploads.remove(item.key)}
            />
          ))}
        </ul>
      )}
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        onChange={(e) => {
          uploads.add(Array.from(e.target.files ?? []));
          e.target.value = '';
        }}
        data-testid={`file-input${testIdSuffix}`}
      />
      <WriteButton
        className="icon-button attach-button"
        aria-label={t('composer.attachFiles')}
        title={t('composer.attachFilesDropThemOnto')}
        onClick={() => picker.current?.click()}
        data-testid={`attach-button${testIdSuffix}`}
      >
        <span aria-hidden="true">📎</span>
      </WriteButton>
      <label htmlFor={id} className="visually-hidden">
        {placeholder}
      </label>
      <textarea
        id={id}
        ref={ref}
        value={body}
        rows={1}
        placeholder={readOnly ? readOnlyHint() : placeholder}
        disabled={readOnly}
        title={readOnly ? readOnlyHint() : undefined}
        onChange={(e) => {
          setBody(e.target.value);
          track(e.target);
          if (e.target.value) typing();
        }}
        onSelect={(e) => track(e.currentTarget)}
        onBlur={() => setTrigger(null)}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={suggesting}
        aria-controls={suggesting ? `${id}-mentions` : undefined}
        aria-activedescendant={suggesting ? `${id}-mentions-${selected}` : undefined}
        onKeyDown={onKey}
        onPaste={onPaste}
        autoFocus={autoFocus}
        data-testid={`composer${testIdSuffix}`}
        aria-describedby={length.near ? `${id}-hint ${id}-length` : `${id}-hint`}
        aria-invalid={length.over || undefined}
      />
      {length.near && (
        <div className={`length-note ${length.over ? 'over' : ''}`} data-testid={`length-note${testIdSuffix}`}>
          <span id={`${id}-length`} className="length-counter" aria-live="polite" data-testid={`length-counter${testIdSuffix}`}>
            {length.over
              ? `${(-length.left).toLocaleString('en')} characters over the ${MAX_MESSAGE_CHARS.toLocaleString('en')} limit`
              : `${length.left.toLocaleString('en')} characters left`}
          </span>
          {length.over && (
            <WriteButton className="link-button small" onClick={sendAsFile} data-testid={`send-as-file${testIdSuffix}`}>
              {t('composer.attachAsTextFileInstead')}
            </WriteButton>
          )}
        </div>
      )}
      <span id={`${id}-hint`} className="visually-hidden">
        {t('composer.enterSendsShiftEnterAdds')}
      </span>
      <WriteButton
        type="submit"
        className="button primary"
        disabled={!canSend(body, uploads.items) || length.over}
        title={uploads.busy ? t('composer.waitingUploadsFinish') : length.over ? t('composer.tooLongSendAsMessage') : undefined}
        data-testid={`send-button${testIdSuffix}`}
        aria-label={t('composer.send')}
      >
        {t('composer.send')}
      </WriteButton>
    </form>
  );
}
