import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useRealtime } from '../../realtime';
import { useReadOnly, WriteButton, READ_ONLY_HINT } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';

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
    ref.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={send} aria-label={parentId ? 'Reply in thread' : 'Send a message'}>
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
          if (e.target.value) typing();
        }}
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
