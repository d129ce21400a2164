import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { isApiError } from '../api/errors';
import { t } from '../i18n';

export type ToastKind = 'info' | 'success' | 'error';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  detail?: string;
  action?: ToastAction;
}

/** A button on a toast (for example "Undo"); the toast closes when it is pressed. */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toaster {
  show(message: string, kind?: ToastKind, action?: ToastAction): void;
  /** Shows a failed request with the server's message (and its request id for support). */
  error(err: unknown, fallback?: string): void;
}

const ToastContext = createContext<Toaster>({ show: () => undefined, error: () => undefined });

export function useToast(): Toaster {
  return useContext(ToastContext);
}

const LIFETIME_MS = { info: 4000, success: 4000, error: 8000 } as const;
/** A toast with a button stays longer, so there is time to reach it. */
const ACTION_LIFETIME_MS = 10_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((item) => item.id !== id)), []);

  const push = useCallback(
    (item: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-4), { ...item, id }]);
      setTimeout(() => dismiss(id), item.action ? ACTION_LIFETIME_MS : LIFETIME_MS[item.kind]);
    },
    [dismiss],
  );

  const toaster = useMemo<Toaster>(
    () => ({
      show: (message, kind = 'info', action) => push({ kind, message, ...(action ? { action } : {}) }),
      error: (err, fallback = t('discover.somethingWentWrong')) => {
        if (err instanceof DOMException && err.name === 'AbortError') return;
        if (isApiError(err)) {
          push({ kind: 'error', message: err.message || fallback, detail: err.requestId ? t('toast.requestRequestid', { requestId: err.requestId }) : undefined });
        } else {
          push({ kind: 'error', message: err instanceof Error && err.message ? err.message : fallback });
        }
      },
    }),
    [push],
  );

  return (
    <ToastContext.Provider value={toaster}>
      {children}
      <div className="toasts" aria-live="polite" aria-relevant="additions">
        {toasts.map((item) => (
          <div key={item.id} className={`toast toast-${item.kind}`} role={item.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
            <div>
              <div>{item.message}</div>
              {item.detail && <div className="toast-detail">{item.detail}</div>}
            </div>
            {item.action && (
              <button
                type="button"
                className="button small"
                onClick={() => {
                  dismiss(item.id);
                  item.action?.run();
                }}
                data-testid="toast-action"
              >
                {item.action.label}
              </button>
            )}
            <button type="button" className="icon-button" aria-label={t('toast.dismissNotification')} onClick={() => dismiss(item.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
