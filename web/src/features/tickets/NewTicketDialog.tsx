import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import type { Ticket, TicketPriority } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { SelectField } from '../../ui/SelectField';
import { useSession, useUser } from '../auth/session';
import { t } from '../../i18n';
import { priorityChoices } from '../../i18n/labels';

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (t: Ticket) => void;
}

/** Staff open a ticket on a customer's behalf (`POST /tickets`); the account is made if new. */
export function NewTicketDialog({ open, onClose, onCreated }: Props) {
  const me = useUser();
  const { departments } = useSession();
  const [subject, setSubject] = useState('');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [department, setDepartment] = useState(me.department ?? '');
  const [priority, setPriority] = useState<TicketPriority>('normal');
  const [assignToMe, setAssignToMe] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const ticket = await api.tickets.create({
        subject: subject.trim(),
        requesterEmail: email.trim(),
        ...(name.trim() ? { requesterName: name.trim() } : {}),
        ...(message.trim() ? { message: message.trim() } : {}),
        ...(department ? { department } : {}),
        priority,
        ...(assignToMe ? { assigneeId: me.id } : {}),
      });
      setSubject('');
      setEmail('');
      setName('');
      setMessage('');
      onCreated(ticket);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: t('newTicketDialog.couldNotOpenTicket') }));
    } finally {
      setBusy(false);
    }
  };

  const problem = (f: string) =>
    error?.fieldProblem(f) ? (
      <p className="field-error" role="alert">
        {error.fieldProblem(f)}
      </p>
    ) : null;

  return (
    <Dialog open={open} title={t('common.newTicket')} onClose={onClose} testId="new-ticket-dialog">
      <form className="stack" onSubmit={submit}>
        <label htmlFor="nt-subject">{t('common.subject')}</label>
        <input id="nt-subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} data-testid="new-ticket-subject" />
        {problem('subject')}
        <label htmlFor="nt-email">{t('newTicketDialog.customerEMail')}</label>
        <input id="nt-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="new-ticket-email" />
        {problem('requesterEmail')}
        <label htmlFor="nt-name">{t('newTicketDialog.customerNameNewCustomer')}</label>
        <input id="nt-name" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="nt-message">{t('newTicketDialog.firstMessageOptionalFromYou')}</label>
        <textarea id="nt-message" rows={3} maxLength={5000} value={message} onChange={(e) => setMessage(e.target.value)} />
        <div className="form-row">
          <SelectField id="nt-department" label={t('common.department')} value={department} choices={departments} none={t('newTicketDialog.noneEveryone')} onChange={setDepartment} />
          <SelectField id="nt-priority" label={t('common.priority')} value={priority} choices={priorityChoices()} onChange={setPriority} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={assignToMe} onChange={(e) => setAssignToMe(e.target.checked)} />{' '}{t('common.assignMe')}
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy || !subject.trim() || !email.trim()} data-testid="new-ticket-submit">
            {t('newTicketDialog.openTicket')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
