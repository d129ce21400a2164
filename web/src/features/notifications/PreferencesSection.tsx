import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import type { Preferences } from '../../types';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { desktopPermission } from './desktop';
import { useNotificationsOptional } from './NotificationsContext';
import { t } from '../../i18n';

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Asks the browser, on a click only (never on page load). */
function DesktopPermission({ onGranted }: { onGranted: () => void }) {
  const [permission, setPermission] = useState(desktopPermission);
  if (permission === 'unsupported') return <p className="muted small">{t('preferencesSection.thisBrowserCannotShowDesktop')}</p>;
  if (permission === 'granted') return <p className="muted small" data-testid="desktop-granted">{t('preferencesSection.desktopNotificationsAllowedBrowser')}</p>;
  if (permission === 'denied') return <p className="muted small">{t('preferencesSection.desktopNotificationsBlockedBrowserS')}</p>;
  return (
    <button type="button" className="button small" onClick={() =>
        void Notification.requestPermission().then((p) => {
          setPermission(p);
          if (p === 'granted') onGranted();
        })
      } data-testid="enable-desktop">
      {t('common.enableDesktopNotifications')}
    </button>
  );
}

/** E-mail and browser notifications, quiet hours and time zone (`/me/preferences`). */
export function PreferencesSection() {
  const toast = useToast();
  const bell = useNotificationsOptional();
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [quiet, setQuiet] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.account
      .preferences()
      .then((p) => {
        if (cancelled) return;
        // The server's default is UTC: offer this browser's zone until one was chosen.
        setPrefs({ ...p, timezone: !p.timezone || p.timezone === 'UTC' ? browserTimeZone() : p.timezone });
        setQuiet(p.quietHours !== null);
      })
      .catch((err: unknown) => !cancelled && toast.error(err, t('preferencesSection.couldNotLoadYourPreferences')));
    return () => {
      cancelled = true;
    };
  }, [toast]);

  if (!prefs) return null;
  const set = (patch: Partial<Preferences>) => {
    setSaved(false);
    setPrefs({ ...prefs, ...patch });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { ...prefs, quietHours: quiet ? (prefs.quietHours ?? { start: '22:00', end: '08:00' }) : null };
      const next = await api.account.setPreferences(body);
      setPrefs(next);
      bell?.setPreferences(next);
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : t('preferencesSection.couldNotSaveCheckYour'));
    } finally {
      setBusy(false);
    }
  };

  const hours = prefs.quietHours ?? { start: '22:00', end: '08:00' };
  return (
    <section className="account-section" aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t('common.notifications')}</h2>
      <form className="stack narrow-form" onSubmit={submit} data-testid="preferences">
        <SelectField
          className="stack"
          id="pref-email"
          label={t('preferencesSection.eMailMe')}
          value={prefs.emailNotifications}
          choices={[
            { value: 'off', label: t('preferencesSection.never') },
            { value: 'mentions_dms', label: t('preferencesSection.aboutMentionsDirectMessages') },
          ]}
          onChange={(emailNotifications) => set({ emailNotifications })}
        />
        <label htmlFor="pref-delay">{t('preferencesSection.whenStillUnreadAfterMinutes')}</label>
        <input
          id="pref-delay"
          type="number"
          min={1}
          max={1440}
          value={prefs.emailDelayMinutes}
          disabled={prefs.emailNotifications === 'off'}
          onChange={(e) => set({ emailDelayMinutes: Number(e.target.value) })}
        />
        <label className="checkbox">
          <input type="checkbox" checked={prefs.browserNotifications} onChange={(e) => set({ browserNotifications: e.target.checked })} data-testid="pref-browser" />{' '}
          {t('preferencesSection.desktopNotificationsWhenSwitchboardAnother')}
        </label>
        <DesktopPermission onGranted={() => set({ browserNotifications: true })} />
        <label className="checkbox">
          <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} />{' '}{t('preferencesSection.quietHoursNoEMail')}
        </label>
        {quiet && (
          <div className="button-row">
            <label htmlFor="pref-quiet-start">{t('common.from')}</label>
            <input id="pref-quiet-start" type="time" value={hours.start} onChange={(e) => set({ quietHours: { ...hours, start: e.target.value } })} />
            <label htmlFor="pref-quiet-end">{t('common.to')}</label>
            <input id="pref-quiet-end" type="time" value={hours.end} onChange={(e) => set({ quietHours: { ...hours, end: e.target.value } })} />
          </div>
        )}
        <label htmlFor="pref-tz">{t('common.timeZone')}</label>
        <input id="pref-tz" value={prefs.timezone} onChange={(e) => set({ timezone: e.target.value })} list="pref-tz-browser" />
        <datalist id="pref-tz-browser">
          <option value={browserTimeZone()} />
        </datalist>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="button primary" disabled={busy} data-testid="preferences-save">
            {busy ? t('common.saving') : t('preferencesSection.saveNotificationSettings')}
          </button>
        </div>
        {saved && (
          <p className="success-text" role="status">
            {t('preferencesSection.saved')}
          </p>
        )}
      </form>
    </section>
  );
}
