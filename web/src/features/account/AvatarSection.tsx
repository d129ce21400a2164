import { useRef, useState } from 'react';
import { api, errorMessage, isAbort } from '../../api';
import { Avatar } from '../../ui/Avatar';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { t } from '../../i18n';

/** My picture: upload one (the server crops it square) or go back to my initials. */
export function AvatarSection() {
  const me = useUser();
  const { updateUser } = useSession();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setError(null);
    setProgress(0);
    try {
      const { avatarUrl } = await api.account.setAvatar(file, (p) => setProgress(Math.floor((p.loaded / p.total) * 100))).promise;
      updateUser({ ...me, avatarUrl });
      toast.show(t('avatarSection.yourPictureUpdated'), 'success');
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setProgress(null);
    }
  };

  const remove = async () => {
    setError(null);
    try {
      await api.account.removeAvatar();
      updateUser({ ...me, avatarUrl: null });
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section className="account-section" aria-labelledby="avatar-title">
      <h2 id="avatar-title">{t('avatarSection.picture')}</h2>
      <div className="avatar-editor">
        <Avatar id={me.id} name={me.name} url={me.avatarUrl} size={96} />
        <div className="button-row">
          <input
            ref={input}
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void upload(file);
            }}
            data-testid="avatar-input"
          />
          <button type="button" className="button" onClick={() => input.current?.click()} disabled={progress !== null} data-testid="avatar-upload">
            {progress !== null ? t('avatarSection.uploadingProgress', { progress }) : t('avatarSection.uploadPicture')}
          </button>
          {me.avatarUrl && (
            <button type="button" className="button" onClick={() => void remove()} disabled={progress !== null} data-testid="avatar-remove">
              {t('common.remove')}
            </button>
          )}
        </div>
      </div>
      <p className="muted small">{t('avatarSection.pNGJpegGifWebpWithout')}</p>
      {error && (
        <p className="field-error" role="alert" data-testid="avatar-error">
          {error}
        </p>
      )}
    </section>
  );
}
