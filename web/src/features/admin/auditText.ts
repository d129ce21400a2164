// How the audit log reads to people: names instead of ids, details as short "what changed"
// lines instead of JSON (the raw form stays one click away). Unit-tested in auditText.test.ts.
import type { AuditEntry } from '../../types';
import { t } from '../../i18n';

/** One line of an entry's details: "Role: staff → admin". */
export interface DetailLine {
  label: string;
  value: string;
}

/** "revokedSessions" / "revoked_sessions" -> "Revoked sessions". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return t('auditText.none');
  if (typeof v === 'string') return v.replace(/_/g, ' ');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? t('auditText.none') : v.map(scalar).join(', ');
  return JSON.stringify(v);
}

/** A `{from, to}` change as "a → b". */
function change(v: Record<string, unknown>): string | null {
  const keys = Object.keys(v);
  if (!keys.includes('from') || !keys.includes('to') || keys.some((k) => k !== 'from' && k !== 'to')) return null;
  return `${scalar(v.from)} → ${scalar(v.to)}`;
}

/** The readable lines of an entry's metadata (empty when there are none). */
export function detailLines(metadata: unknown): DetailLine[] {
  if (!isRecord(metadata)) return metadata === null || metadata === undefined ? [] : [{ label: t('auditLog.details'), value: scalar(metadata) }];
  const lines: DetailLine[] = [];
  // A change of the target itself ({from, to, by}): "Status: pending → open".
  if ('from' in metadata && 'to' in metadata) lines.push({ label: t('auditText.change'), value: `${scalar(metadata.from)} → ${scalar(metadata.to)}` });
  for (const [key, value] of Object.entries(metadata)) {
    if (key === 'from' || key === 'to') continue;
    if (isRecord(value)) {
      const changed = change(value);
      if (changed) {
        lines.push({ label: humanize(key), value: changed });
        continue;
      }
      for (const [inner, v] of Object.entries(value)) lines.push({ label: `${humanize(key)}, ${humanize(inner).toLowerCase()}`, value: scalar(v) });
      continue;
    }
    lines.push({ label: humanize(key), value: scalar(value) });
  }
  return lines;
}

/** Who acted: their name, else the e-mail they had, else "system". */
export function actorLabel(e: Pick<AuditEntry, 'actorName' | 'actorEmail' | 'actorId'>): string {
  return e.actorName ?? e.actorEmail ?? (e.actorId ? t('auditText.deletedAccount') : 'system');
}

/** What was acted on: its name when it has one, else a short form of its id. */
export function targetLabel(e: Pick<AuditEntry, 'targetName' | 'targetId' | 'targetType'>): string {
  if (e.targetName) return e.targetName;
  if (!e.targetId) return '';
  return e.targetId.length > 13 ? `${e.targetId.slice(0, 8)}…` : e.targetId;
}

/** The raw entry as it is stored (shown on demand). */
export function rawText(e: AuditEntry): string {
  const { id, actorId, targetId, ip, requestId, metadata } = e;
  return JSON.stringify({ id, actorId, targetId, ip, requestId, metadata }, null, 2);
}
