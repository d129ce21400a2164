import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, errorMessage, isApiError } from './api';
import { App } from './App';
import { SessionProvider } from './features/auth/session';
import type { Me, PublicConfig } from './types';
import { QueryProvider } from './queries/client';
import { initMonitoring, setMonitoringUser } from './ui/monitoring';
import { applySavedTheme } from './ui/theme';
import { ToastProvider } from './ui/toast';
import './styles.css';
import { applyLanguage, t, useLanguage } from './i18n';

type BootState = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; config: PublicConfig; user: Me | null };

/**
 * Who is signed in. `/auth/session` answers a visitor with null (200), so a signed-out page
 * load has no failed request: Chromium logs every non-2xx fetch as a console error.
 */
async function loadUser(): Promise<Me | null> {
  try {
    return await api.auth.session();
  } catch (err) {
    if (isApiError(err) && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

/** Loads the public config (Sentry, demo accounts) and the current session, then the app. */
function Boot() {
  const lang = useLanguage();
  const [state, setState] = useState<BootState>({ kind: 'loading' });

  const boot = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const config = await api.config();
      await initMonitoring(config);
      const user = await loadUser();
      setMonitoringUser(user);
      setState({ kind: 'ready', config, user });
    } catch (err) {
      setState({ kind: 'failed', message: errorMessage(err) });
    }
  }, []);

  useEffect(() => {
    void boot();
  }, [boot]);

  if (state.kind === 'loading') {
    return (
      <div className="splash" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />{' '}{t('main.loadingSwitchboard')}
      </div>
    );
  }
  if (state.kind === 'failed') {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" role="alert">
          <h1>{t('main.switchboardNotReachable')}</h1>
          <p>{state.message}</p>
          <button type="button" className="button primary" onClick={() => void boot()} autoFocus>
            {t('common.tryAgain')}
          </button>
        </div>
      </main>
    );
  }
  return (
    <SessionProvider config={state.config} initialUser={state.user}>
      {/* A new language renders every screen again (messages are read while rendering). */}
      <App key={lang} />
    </SessionProvider>
  );
}

applySavedTheme();
applyLanguage();
const container = document.getElementById('root');
if (!container) throw new Error('missing #root');
createRoot(container).render(
  <StrictMode>
    <ToastProvider>
      <QueryProvider>
        <Boot />
      </QueryProvider>
    </ToastProvider>
  </StrictMode>,
);
