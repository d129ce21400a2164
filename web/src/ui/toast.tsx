import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { isApiError } from '../api/errors';

export type ToastKind = 'info' | 'success' | 'error';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  detail?: string;
}

export interface Toaster {
  show(message: string, kind?: ToastKind): void;
  /** Shows a failed request with the server's message (and its request id for support). */
  error(err: unknown, fallback?: string): void;
}

const ToastContext = createContext<Toaster>({ show: () => undefined, error: () => undefined });

export function useToast(): Toaster {
  return useContext(ToastContext);
}

const LIFETIME_MS = { info: 4000, success: 4000, error: 8000 } as const;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);

  const push = useCallback(
    (t: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      setTimeout(() => dismiss(id), LIFETIME_MS[t.kind]);
    },
    [dismiss],
  );

  const toaster = useMemo<Toaster>(
    () => ({
      show: (message, kind = 'info') => push({ kind, message }),
      error: (err, fallback = 'Something went wrong') => {
        if (err instanceof DOMException && err.name === 'AbortError') return;
        if (isApiError(err)) {
          push({ kind: 'error', message: err.message || fallback, detail: err.requestId ? `Request ${err.requestId}` : undefined });
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
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
            <div>
              <div>{t.message}</div>
              {t.detail && <div className="toast-detail">{t.detail}</div>}
            </div>
            <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
