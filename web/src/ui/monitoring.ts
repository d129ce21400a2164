import type { PublicConfig } from '../types';

// Sentry is loaded (as its own chunk) only when the server hands out a DSN.

type SentryModule = typeof import('@sentry/react');
let sentry: SentryModule | null = null;

export async function initMonitoring(config: PublicConfig): Promise<void> {
  if (!config.sentryDsn || sentry) return;
  try {
    const mod = await import('@sentry/react');
    mod.init({
      dsn: config.sentryDsn,
      environment: config.environment,
      release: config.version ? `switchboard-web@${config.version}` : undefined,
    });
    sentry = mod;
  } catch (err) {
    console.warn('Sentry could not be initialised', err);
  }
}

export function setMonitoringUser(user: { id: string; role: string } | null): void {
  sentry?.setUser(user ? { id: user.id, segment: user.role } : null);
}

export function reportError(err: unknown, context?: Record<string, unknown>): void {
  if (sentry) sentry.captureException(err, context ? { extra: context } : undefined);
  else console.error(err);
}
