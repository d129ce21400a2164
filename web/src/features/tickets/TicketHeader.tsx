import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { TicketPatch } from '../../api';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket, type TicketPerson } from '../../types';
import { formatDateTime } from '../../ui/format';
import { readOnlyHint, useReadOnly } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { t } from '../../i18n';
import { priorityLabel, statusLabel } from '../../i18n/labels';

interface Props {
  ticket: Ticket;
  onChange: (t: Ticket) => void;
  /** Whether the ticket's Files panel is open, and how to open or close it. */
  filesOpen?: boolean;
  onToggleFiles?: () => void;
}

/** Subject, requester and the status/assignee/priority/department controls of a ticket. */
export function TicketHeader({ ticket, onChange, filesOpen = false, onToggleFiles }: Props) {
  const me = useUser();
  const { departments } = useSession();
  const readOnly = useReadOnly();
  const toast = useToast();
  const [staff, setStaff] = useState<TicketPerson[]>([]);
  const [saving, setSaving] = useState(false);
  const isCustomer = me.role === 'customer';

  useEffect(() => {
    if (isCustomer) return;
    api.users
      .assignable()
      .then(setStaff)
      .catch(() => setStaff([]));
  }, [isCustomer]);

  const patch = async (p: TicketPatch) => {
    setSaving(true);
    try {
      onChange(await api.tickets.update(ticket.id, p));
    } catch (err) {
      toast.error(err, t('ticketHeader.couldNotUpdateTicket'));
    } finally {
      setSaving(false);
    }
  };

  const assignees = ticket.assignee && !staff.some((s) => s.id === ticket.assignee?.id) ? [ticket.assignee, ...staff] : staff;
  const mine = ticket.assignee?.id === me.id;
  const disabled = readOnly || saving;
  const title = readOnly ? readOnlyHint() : undefined;

  return (
    <header className="ticket-header" data-testid="ticket-header">
      <div className="ticket-title">
        <h1>{ticket.subject}</h1>
        <p className="muted small">
          {t('common.from')}{' '}{ticket.requester.name}
          {ticket.requester.email && !isCustomer ? t('ticketHeader.email', { email: ticket.requester.email }) : ''}{' '}{t('ticketHeader.opened')}{' '}{formatDateTime(ticket.createdAt)}
          {ticket.firstResponseAt && t('ticketHeader.firstResponseFirstresponseat', { firstResponseAt: formatDateTime(ticket.firstResponseAt) })}
        </p>
        {onToggleFiles && (
          <button type="button" className="button small" aria-pressed={filesOpen} onClick={onToggleFiles} data-testid="toggle-files">
            <span aria-hidden="true">📁</span> {t('common.files')}
          </button>
        )}
      </div>
      {isCustomer ? (
        <div className="ticket-badges">
          <span className={`status-badge status-${ticket.status}`} data-testid="ticket-status-badge">
            {statusLabel(ticket.status)}
          </span>
        </div>
      ) : (
        <div className="ticket-controls" title={title}>
          <div className="field compact">
            <label htmlFor="ticket-status">{t('common.status')}</label>
            <select
              id="ticket-status"
              value={ticket.status}
              disabled={disabled}
              onChange={(e) => void patch({ status: e.target.value as Ticket['status'] })}
              data-testid="ticket-status"
            >
              {TICKET_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div className="field compact">
            <label htmlFor="ticket-priority">{t('common.priority')}</label>
            <select
              id="ticket-priority"
              value={ticket.priority}
              disabled={disabled}
              onChange={(e) => void patch({ priority: e.target.value as Ticket['priority'] })}
              data-testid="ticket-priority"
            >
              {TICKET_PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {priorityLabel(p)}
                </option>
              ))}
            </select>
          </div>
          <div className="field compact">
            <label htmlFor="ticket-assignee">{t('common.assignee')}</label>
            <select
              id="ticket-assignee"
              value={ticket.assignee?.id ?? ''}
              disabled={disabled}
              onChange={(e) => void patch({ assigneeId: e.target.value || null })}
              data-testid="ticket-assignee"
            >
              <option value="">{t('common.unassigned')}</option>
              {assignees.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.id === me.id ? t('ticketHeader.nameMe', { name: u.name }) : u.name}
                </option>
              ))}
            </select>
          </div>
          {!mine && !readOnly && (
            <button type="button" className="button small take-button" disabled={saving} onClick={() => void patch({ assigneeId: me.id })} data-testid="ticket-take">
              {t('common.assignMe')}
            </button>
          )}
          <div className="field compact">
            <label htmlFor="ticket-department">{t('common.department')}</label>
            <select
              id="ticket-department"
              value={ticket.department ?? ''}
              disabled={disabled}
              onChange={(e) => void patch({ department: e.target.value || null })}
              data-testid="ticket-department"
            >
              <option value="">{t('common.none')}</option>
              {departments.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
      {!isCustomer && ticket.requesterVerified === false && (
        <p className="notice ticket-unverified" role="note" data-testid="requester-unverified">
          <strong>{t('ticketHeader.unverifiedSender')}</strong>{' '}{t('ticketHeader.nobodyHasProvenTheyOwn')}{' '}{ticket.requester.email ?? t('ticketHeader.theRequesterSAddress')}{' '}{t('ticketHeader.yetNameAsTypedForm')}
        </p>
      )}
    </header>
  );
}
