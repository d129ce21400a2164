import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useRealtime } from '../../realtime';
import { useReadOnly, WriteButton, READ_ONLY_HINT } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';
import { insertMention, mentionTrigger, type MentionTrigger } from '../notifications/trigger';
import { MentionSuggest, useMentionOptions, type MentionOption } from './MentionSuggest';

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
}

const MAX = 5000;
const TYPING_IDLE_MS = 4000;

/**
 * Writes into the outbox: the message shows as "sending" at once and is delivered when the
 * connection allows, even across a reload.
 */
export function Composer({ roomId, parentId = null, placeholder, draft, testIdSuffix = '', autoFocus }: Props) {
  const client = useRealtime();
  const toast = useToast();
  const readOnly = useReadOnly();
  const [body, setBody] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const id = useId();
  const [trigger, setTrigger] = useState<MentionTrigger | null>(null);
  const [selected, setSelected] = useState(0);
  const [caret, setCaret] = useState<number | null>(null);
  const options = useMentionOptions(roomId, trigger);
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
    if (!text || readOnly) return;
    if (!client) {
      toast.show('Not connected yet; try again in a moment.', 'error');
      return;
    }
    client.send(roomId, text, parentId);
    client.setTyping(roomId, false);
    setBody('');
    setTrigger(null);
    ref.current?.focus();
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
  };

  return (
    <form className="composer" onSubmit={send} aria-label={parentId ? 'Reply in thread' : 'Send a message'}>
      {suggesting && <MentionSuggest id={`${id}-mentions`} options={options} selected={selected} onPick={pick} />}
      <label htmlFor={id} className="visually-hidden">
        {placeholder}
      </label>
      <textarea
        id={id}
        ref={ref}
        value={body}
        rows={1}
        maxLength={MAX}
        placeholder={readOnly ? READ_ONLY_HINT : placeholder}
        disabled={readOnly}
        title={readOnly ? READ_ONLY_HINT : undefined}
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
        autoFocus={autoFocus}
        data-testid={`composer${testIdSuffix}`}
        aria-describedby={`${id}-hint`}
      />
      <span id={`${id}-hint`} className="visually-hidden">
        Enter sends, Shift+Enter adds a new line. Formatting: **bold**, _italic_, ~~strike~~, `code`, three backticks around a code
        block, &gt; to quote, - or 1. for lists, :smile: for emoji.
      </span>
      <WriteButton type="submit" className="button primary" disabled={!body.trim()} data-testid={`send-button${testIdSuffix}`} aria-label="Send">
        Send
      </WriteButton>
    </form>
  );
}
