import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { SessionInfo } from '../../types';
import { DataTable } from '../../ui/DataTable';
import { ConfirmDialog } from '../../ui/Dialog';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { passwordProblem } from '../auth/messages';
import { NewPasswordFields } from '../auth/NewPasswordFields';
import { useUser } from '../auth/session';
import { PreferencesSection } from '../notifications/PreferencesSection';
import { AvatarSection } from './AvatarSection';
import { HandleSection } from './HandleSection';
import { LanguageSection } from './LanguageSection';
import { currentSubscription, disablePush, enablePush, pushSupport } from './push';
import { deviceLabel, revokedText, sortSessions } from './sessions';
import { t, type MessageKey } from '../../i18n';
import { roleLabel } from '../../i18n/labels';

const EXPIRIES: { label: MessageKey; minutes: number | null }[] = [
  { label: 'accountPage.dontClear', minutes: null },
  { label: 'accountPage.thirtyMinutes', minutes: 30 },
  { label: 'accountPage.oneHour', minutes: 60 },
  { label: 'accountPage.fourHours', minutes: 240 },
  { label: 'accountPage.today', minutes: -1 },
  { label: 'accountPage.thisWeek', minutes: 7 * 24 * 60 },
];

/** When a status chosen now with `minutes` (-1: the end of today) ends. */
function expiryFrom(minutes: number | null, now = new Date()): string | undefined {
  if (minutes === null) return undefined;
  if (minutes === -1) {
    const end = new Date(now);
    end.setHours(23, 59, 59, 0);
    return end.toISOString();
  }
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}

/** Title, time zone and status (with when it clears). */
function ProfileEditor() {
  const me = useUser();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState('');
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [emoji, setEmoji] = useState('');
  const [text, setText] = useState('');
  const [expiry, setExpiry] = useState(0);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api.users
      .profile(me.id)
      .then((p) => {
        setTitle(p.title);
        if (p.timezone) setTimezone(p.timezone);
        setEmoji(p.status?.emoji ?? '');
        setText(p.status?.text ?? '');
      })
      .catch((err: unknown) => toast.error(err, t('accountPage.couldNotLoadYourProfile')));
  }, [me.id, toast]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    try {
      const hasStatus = emoji.trim() !== '' || text.trim() !== '';
      await api.account.updateProfile({
        title,
        timezone: timezone.trim() === '' ? null : timezone.trim(),
        status: hasStatus
          ? { emoji: emoji.trim() || undefined, text: text.trim() || undefined, expiresAt: expiryFrom(EXPIRIES[expiry]?.minutes ?? null) }
          : null,
      });
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.profile(me.id) });
      toast.show(t('accountPage.profileSaved'), 'success');
    } catch (err) {
      toast.error(err, t('accountPage.couldNotSaveYourProfile'));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="account-section" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('accountPage.profileStatus')}</h2>
      <form onSubmit={(e) => void save(e)} data-testid="profile-form">
        <div className="field">
          <label htmlFor="profile-title-input">{t('common.title')}</label>
          <input id="profile-title-input" value={title} maxLength={80} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="profile-timezone">{t('common.timeZone')}</label>
          <input id="profile-timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} placeholder={t('accountPage.europeBerlin')} />
        </div>
        <div className="field">
          <label htmlFor="profile-emoji">{t('accountPage.statusEmoji')}</label>
          <input id="profile-emoji" value={emoji} maxLength={16} onChange={(e) => setEmoji(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="profile-status">{t('common.status')}</label>
          <input id="profile-status" value={text} maxLength={100} onChange={(e) => setText(e.target.value)} />
        </div>
        <SelectField
          id="profile-expiry"
          label={t('accountPage.clearAfter')}
          value={String(expiry)}
          choices={EXPIRIES.map((x, i) => ({ value: String(i), label: t(x.label) }))}
          onChange={(v) => setExpiry(Number(v))}
        />
        <button type="submit" className="button primary" disabled={saving} data-testid="profile-save">
          {t('accountPage.saveProfile')}
        </button>
      </form>
    </section>
  );
}

type PushState = 'loading' | 'off-server' | 'unsupported' | 'insecure' | 'denied' | 'on' | 'off';

/** "Enable push notifications on this device": asks for permission only when clicked. */
function PushNotifications() {
  const toast = useToast();
  const [state, setState] = useState<PushState>('loading');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    const support = pushSupport();
    const check = async (): Promise<PushState> => {
      if (support !== 'supported') return support;
      try {
        await api.push.key();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'PUSH_DISABLED') return 'off-server';
        throw err;
      }
      if (Notification.permission === 'denied') return 'denied';
      return (await currentSubscription()) ? 'on' : 'off';
    };
    check()
      .then((s) => live && setState(s))
      .catch(() => live && setState('off'));
    return () => {
      live = false;
    };
  }, []);

  const toggle = async () => {
    setBusy(true);
    try {
      if (state === 'on') {
        await disablePush();
        setState('off');
      } else {
        setState((await enablePush()) === 'enabled' ? 'on' : 'denied');
      }
    } catch (err) {
      toast.error(err, t('accountPage.couldNotChangePushNotifications'));
    } finally {
      setBusy(false);
    }
  };

  if (state === 'loading' || state === 'off-server') return null;
  return (
    <section className="account-section" aria-labelledby="push-title">
      <h2 id="push-title">{t('accountPage.pushNotifications')}</h2>
      {state === 'unsupported' && <p className="muted">{t('accountPage.thisBrowserCannotReceivePush')}</p>}
      {state === 'insecure' && <p className="muted">{t('accountPage.pushNotificationsNeedAppBe')}</p>}
      {state === 'denied' && (
        <p className="muted">{t('accountPage.notificationsBlockedSiteAllowThem')}</p>
      )}
      {(state === 'on' || state === 'off' || state === 'denied') && (
        <>
          <p>
            {state === 'on'
              ? t('accountPage.thisDeviceReceivesYourMentions')
              : t('accountPage.getYourMentionsDirectMessages')}
          </p>
          <button type="button" className="button" disabled={busy} onClick={() => void toggle()} data-testid="push-toggle">
            {state === 'on' ? t('accountPage.turnOffPushNotificationsDevice') : t('accountPage.enablePushNotificationsDevice')}
          </button>
        </>
      )}
    </section>
  );
}

/** Current password, then the new one twice. Ends every other session of the account. */
function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [currentProblem, setCurrentProblem] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    setError(null);
    const weak = passwordProblem(password, confirm);
    setProblem(weak);
    setCurrentProblem(current ? null : t('accountPage.typeYourCurrentPassword'));
    if (weak || !current) return;
    setBusy(true);
    try {
      const { revokedSessions } = await api.account.changePassword(current, password);
      setCurrent('');
      setPassword('');
      setConfirm('');
      setResult(t('accountPage.yourPasswordWasChangedRevokedsessions', { revokedSessions: revokedText(revokedSessions) }));
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.fieldProblem('currentPassword')) setCurrentProblem(t('accountPage.thatNotYourCurrentPassword'));
      else if (err instanceof ApiError && err.fieldProblem('newPassword')) setProblem(`The new password ${err.fieldProblem('newPassword')}.`);
      else setError(err instanceof ApiError ? err.message : t('accountPage.couldNotChangePasswordCheck'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="account-section" aria-labelledby="password-title">
      <h2 id="password-title">{t('common.password')}</h2>
      <form className="stack narrow-form" onSubmit={submit} noValidate>
        <label htmlFor="account-current">{t('accountPage.currentPassword')}</label>
        <input
          id="account-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          data-testid="account-current-password"
        />
        {currentProblem && (
          <p className="field-error" role="alert" data-testid="account-current-problem">
            {currentProblem}
          </p>
        )}
        <NewPasswordFields idPrefix="account" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} problem={problem} />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="button primary" disabled={busy} data-testid="account-change-password">
            {busy ? t('accountPage.changing') : t('accountPage.changePassword')}
          </button>
        </div>
        {result && (
          <p className="success-text" role="status" data-testid="account-password-result">
            {result}
          </p>
        )}
        <p className="muted small">{t('accountPage.changingSignsOutEveryOther')}</p>
      </form>
    </section>
  );
}

/** Where I am signed in, with a way to end any other session. */
function Sessions() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.account.sessions,
    queryFn: async () => sortSessions((await api.account.sessions()).items),
    meta: { errorToast: t('accountPage.couldNotLoadYourSessions') },
  });
  const items = query.data ?? [];
  const loading = query.isFetching;
  const [confirmAll, setConfirmAll] = useState(false);
  const others = items.filter((s) => !s.current).length;
  // Whatever the answer, the list is read again: a failure may mean the session was gone already.
  const reload = () => queryClient.invalidateQueries({ queryKey: queryKeys.account.sessions });

  const revoke = useMutation({
    mutationFn: (s: SessionInfo) => api.account.revokeSession(s.id),
    onSuccess: (_, s) => toast.show(t('accountPage.signedOutUseragent', { userAgent: deviceLabel(s.userAgent) }), 'success'),
    onError: (err) => toast.error(err, t('accountPage.couldNotSignThatSession')),
    onSettled: reload,
  });
  const revokeOthers = useMutation({
    mutationFn: api.account.revokeOthers,
    onSuccess: ({ revokedSessions }) => toast.show(revokedText(revokedSessions), 'success'),
    onError: (err) => toast.error(err, t('accountPage.couldNotSignOtherSessions')),
    onSettled: reload,
  });
  const busy = revoke.isPending || revokeOthers.isPending;

  return (
    <section className="account-section" aria-labelledby="sessions-title">
      <header className="page-header">
        <h2 id="sessions-title">{t('accountPage.whereYouSigned')}</h2>
        <button type="button" className="button" disabled={others === 0 || busy} onClick={() => setConfirmAll(true)} data-testid="sessions-revoke-others">
          {t('accountPage.signOutEverywhereElse')}
        </button>
      </header>
      <DataTable
        caption={t('accountPage.whereYouSigned')}
        testId="sessions-table"
        columns={[
          {
            header: t('accountPage.device'),
            cell: (s) => (
              <>
                <span title={s.userAgent ?? undefined}>{deviceLabel(s.userAgent)}</span>
                {s.current && (
                  <span className="status-badge status-open account-badge" data-testid="session-this-device">
                    {t('accountPage.thisDevice')}
                  </span>
                )}
                {s.ticketId && <span className="muted small">{' '}{t('accountPage.aTicketSLink')}</span>}
              </>
            ),
          },
          { header: t('accountPage.iPAddress'), cell: (s) => s.ip ?? '—' },
          { header: t('accountPage.signed'), className: 'nowrap', cell: (s) => formatDateTime(s.createdAt) },
          { header: t('accountPage.lastUsed'), className: 'nowrap', cell: (s) => formatDateTime(s.lastUsedAt) },
          {
            header: t('accountPage.actions'),
            headerHidden: true,
            cell: (s) =>
              !s.current && (
                <button
                  type="button"
                  className="button small"
                  disabled={busy}
                  onClick={() => revoke.mutate(s)}
                  aria-label={t('accountPage.signOutUseragentLastUsed', { userAgent: deviceLabel(s.userAgent), lastUsedAt: formatDateTime(s.lastUsedAt) })}
                  data-testid="session-revoke"
                >
                  {t('common.signOut')}
                </button>
              ),
          },
        ]}
        rows={items}
        rowKey={(s) => s.id}
        rowProps={(s) => ({ 'data-testid': 'session-row', 'data-current': s.current })}
        empty={t('accountPage.noSessions')}
        loading={loading}
      />
      <ConfirmDialog
        open={confirmAll}
        title={t('accountPage.signOutEverywhereElse2')}
        message={<p>{t('accountPage.everyOtherBrowserSignedOut')}</p>}
        confirmLabel={t('accountPage.signThemOut')}
        danger
        onConfirm={() => {
          setConfirmAll(false);
          revokeOthers.mutate();
        }}
        onCancel={() => setConfirmAll(false)}
      />
    </section>
  );
}

/** `/account`: my password and my sessions (not for a ticket link's session). */
export function AccountPage() {
  const me = useUser();
  const queryClient = useQueryClient();
  const reloadSessions = () => void queryClient.invalidateQueries({ queryKey: queryKeys.account.sessions });

  return (
    <main className="page" id="main" aria-labelledby="account-title">
      <h1 id="account-title">{t('accountPage.yourAccount')}</h1>
      <p className="muted" data-testid="account-who">
        {me.name} · {me.email} · <span className={`role-badge role-${me.role}`}>{roleLabel(me.role)}</span>
      </p>
      <AvatarSection />
      <HandleSection />
      <ProfileEditor />
      <LanguageSection />
      <PreferencesSection />
      {me.hasPassword === false ? (
        <section className="account-section" aria-labelledby="password-title">
          <h2 id="password-title">{t('common.password')}</h2>
          <p>
            {t('accountPage.yourAccountHasNoPassword')}{' '}<Link to="/forgot-password">{t('accountPage.getLinkSetOne')}</Link>.
          </p>
        </section>
      ) : (
        <ChangePassword onChanged={reloadSessions} />
      )}
      <PushNotifications />
      <Sessions />
    </main>
  );
}
