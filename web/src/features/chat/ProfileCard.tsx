import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { Avatar } from '../../ui/Avatar';
import { t } from '../../i18n';

/** The time now in `timezone`, or null when the browser does not know the zone. */
export function localTime(timezone: string | null, now = new Date()): string | null {
  if (!timezone) return null;
  try {
    return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: timezone }).format(now);
  } catch {
    return null;
  }
}

/** A person's profile, opened by clicking their name. */
export function ProfileCard({ userId, onClose }: { userId: string; onClose: () => void }) {
  const { data: profile } = useQuery({
    queryKey: queryKeys.users.profile(userId),
    queryFn: () => api.users.profile(userId),
    meta: { errorToast: t('profileCard.couldNotLoadProfile') },
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const time = localTime(profile?.timezone ?? null);
  return (
    <div className="profile-card" role="dialog" aria-label={t('profileCard.profile')} data-testid="profile-card">
      <button type="button" className="icon-button" aria-label={t('profileCard.closeProfile')} onClick={onClose}>
        ×
      </button>
      {profile && (
        <>
          <Avatar id={profile.id} name={profile.name} url={profile.avatarUrl} size={64} />
          <strong data-testid="profile-name">{profile.name}</strong>
          {profile.handle && <div className="muted small">@{profile.handle}</div>}
          {profile.title && <div data-testid="profile-title">{profile.title}</div>}
          {profile.department && <div className="muted small">{profile.department}</div>}
          {time && (
            <div className="small" data-testid="profile-time">
              {t('profileCard.localTime', { time, timezone: profile.timezone })}
            </div>
          )}
          {profile.status && (
            <div data-testid="profile-status">
              {profile.status.emoji} {profile.status.text}
            </div>
          )}
        </>
      )}
    </div>
  );
}
