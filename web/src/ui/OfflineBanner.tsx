import { useEffect } from 'react';
import { useConnectionState, useOffline, useOutbox } from '../realtime';
import { t } from '../i18n';

/** Shown while the socket is away; unsent messages wait in the outbox meanwhile. */
export function OfflineBanner() {
  const offline = useOffline();
  const pending = useOutbox();
  const state = useConnectionState();
  // The socket's state on <body data-connection>, for styling hooks and browser tests.
  useEffect(() => {
    document.body.dataset.connection = state;
    return () => {
      delete document.body.dataset.connection;
    };
  }, [state]);
  if (!offline) return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      <span className="spinner" aria-hidden="true" />
      {t('offlineBanner.reconnectingMessagesWillBeSent')}
      {pending.length > 0 && <span className="muted"> {t('offlineBanner.waiting', { count: pending.length })}</span>}
    </div>
  );
}
