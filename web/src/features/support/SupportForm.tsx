import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, SUPPORT_MAX_FILES } from '../../api';
import { humanSize } from '../chat/uploads';
import type { SupportTicketResult } from '../../types';
import { Link } from '../../ui/router';
import { SelectField } from '../../ui/SelectField';
import { useSession } from '../auth/session';
import { useToast } from '../../ui/toast';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  if (typeof navigator === 'undefined' || !navigator.clipboard) return null;
  return (
    <button
      type="button"
      className="button small"
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? t('supportForm.copied') : t('supportForm.copyLink')}
    </button>
  );
}

/**
 * After sending: a link to follow the ticket is always e-mailed. It is also shown here only
 * when the address had no account (otherwise whoever typed the address must prove they own it).
 */
function SupportDone({ result, email }: { result: SupportTicketResult; email: string }) {
  const { followUrl, token } = result;
  return (
    <main className="auth-page" id="main">
      <div className="auth-card" role="status" data-testid="support-done">
        <h1>{t('supportForm.weGotYourRequest')}</h1>
        {followUrl && token ? (
          <>
            <p>{t('supportForm.ourTeamWillAnswerSoon')}</p>
            <p>
              <Link to={`/support/follow?token=${encodeURIComponent(token)}`} className="button primary" data-testid="support-follow-link">
                {t('supportForm.followMyTicket')}
              </Link>
            </p>
            <p className="muted small break" data-testid="support-follow-url">
              {followUrl}
            </p>
            <CopyButton text={followUrl} />
            <p className="muted small" data-testid="support-emailed">
              {t('supportForm.weAlsoSentLink', { email })}
            </p>
          </>
        ) : (
          <p data-testid="support-emailed">
            {rich('supportForm.weVeSentLink', { email: <strong>{email}</strong> })}
          </p>
        )}
      </div>
    </main>
  );
}

/** The public support form: no account needed; a link to follow the ticket is e-mailed. */
export function SupportForm() {
  const { departments, user } = useSession();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [department, setDepartment] = useState(departments.includes('support') ? 'support' : (departments[0] ?? ''));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<SupportTicketResult | null>(null);
  const [files, setFiles] = useState<File[]>([]);
  const toast = useToast();
  const addFiles = (picked: File[]) => {
    const room = SUPPORT_MAX_FILES - files.length;
    if (picked.length > room) toast.show(t('supportForm.atMostSupportMaxFiles', { SUPPORT_MAX_FILES }), 'error');
    setFiles((fs) => [...fs, ...picked.slice(0, Math.max(0, room))]);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = {
        name: name.trim(),
        email: email.trim(),
        subject: subject.trim(),
        message: message.trim(),
        ...(department ? { department } : {}),
      };
      // With files the form goes as multipart/form-data; without, as JSON.
      setDone(files.length > 0 ? await api.support.submitWithFiles(input, files) : await api.support.submit(input));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'NETWORK', message: t('supportForm.couldNotSendYourRequest2') }));
      // Field problems and a team address are shown on the form itself.
      if (!(err instanceof ApiError && (err.code === 'VALIDATION' || err.code === 'STAFF_EMAIL'))) toast.error(err, t('supportForm.couldNotSendYourRequest'));
    } finally {
      setBusy(false);
    }
  };

  if (done) return <SupportDone result={done} email={email.trim()} />;

  const problem = (f: string) => error?.fieldProblem(f);
  const field = (id: string, label: string, input: ReactNode, f: string) => (
    <>
      <label htmlFor={id}>{label}</label>
      {input}
      {problem(f) && (
        <p className="field-error" id={`${id}-error`}>
          {problem(f)}
        </p>
      )}
    </>
  );

  return (
    <main className="auth-page" id="main">
      <div className="auth-card wide">
        <h1>{t('common.contactSupport')}</h1>
        <p className="muted">{t('supportForm.tellUsWhatGoingWe')}</p>
        <form onSubmit={submit} noValidate>
          {field(
            'support-name',
            t('acceptInvite.yourName'),
            <input id="support-name" required autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} data-testid="support-name" />,
            'name',
          )}
          {field(
            'support-email',
            'Email',
            <input
              id="support-email"
              type="email"
              required
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="support-email"
            />,
            'email',
          )}
          <SelectField
            className="stack"
            id="support-department"
            label={t('common.topic')}
            value={department}
            choices={departments}
            none={t('supportForm.notSure')}
            onChange={setDepartment}
            error={problem('department')}
            testId="support-department"
          />
          {field(
            'support-subject',
            'Subject',
            <input id="support-subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} data-testid="support-subject" />,
            'subject',
          )}
          {field(
            'support-message',
            t('supportForm.howCanWeHelp'),
            <textarea id="support-message" required rows={6} maxLength={5000} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="support-message" />,
            'message',
          )}
          <div className="support-files">
            <label htmlFor="support-files">{t('supportForm.attachmentsOptional', { max: SUPPORT_MAX_FILES })}</label>
            <input
              id="support-files"
              type="file"
              multiple
              disabled={files.length >= SUPPORT_MAX_FILES}
              onChange={(e) => {
                addFiles(Array.from(e.target.files ?? []));
                e.target.value = '';
              }}
              data-testid="support-files"
            />
            {files.length > 0 && (
              <ul aria-label={t('supportForm.attachedFiles')}>
                {files.map((f, i) => (
                  <li key={`${f.name}-${i}`} data-testid="support-file">
                    <span>{f.name}</span> <span className="muted small">{humanSize(f.size)}</span>
                    <button
                      type="button"
                      className="icon-button small"
                      aria-label={t('common.removeName', { name: f.name })}
                      onClick={() => setFiles((fs) => fs.filter((_, j) => j !== i))}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {problem('file') && <p className="field-error">{problem('file')}</p>}
          </div>
          {error && (
            <p className="form-error" role="alert" data-testid="support-error">
              {error.code === 'VALIDATION' ? t('common.pleaseCheckFieldsMarkedAbove') : error.message}
              {error.code === 'STAFF_EMAIL' && (
                <>
                  {' '}
                  <Link to="/signin">{t('common.sign')}</Link>
                </>
              )}
            </p>
          )}
          <button type="submit" className="button primary wide" disabled={busy} data-testid="support-submit">
            {busy ? t('common.sending') : t('supportForm.sendRequest')}
          </button>
        </form>
        {!user && (
          <p className="auth-links">
            {t('supportForm.staff')}{' '}<Link to="/signin">{t('common.sign')}</Link>
          </p>
        )}
      </div>
    </main>
  );
}
