// What the server's fixed values (ticket status and priority, account and room roles) are
// called in the interface. The English names are the values themselves.
import { ROLES, TICKET_PRIORITIES, TICKET_STATUSES, type Role, type RoomRole, type TicketPriority, type TicketStatus } from '../types';
import { t } from './index';

export const statusLabel = (s: TicketStatus) => t(`ticketStatus.${s}`);
export const priorityLabel = (p: TicketPriority) => t(`ticketPriority.${p}`);
export const roleLabel = (r: Role) => t(`role.${r}`);
export const roomRoleLabel = (r: RoomRole) => t(`roomRole.${r}`);

/** The choices of a select of statuses, priorities or roles. */
export const statusChoices = () => TICKET_STATUSES.map((value) => ({ value, label: statusLabel(value) }));
export const priorityChoices = () => TICKET_PRIORITIES.map((value) => ({ value, label: priorityLabel(value) }));
export const roleChoices = () => ROLES.map((value) => ({ value, label: roleLabel(value) }));
