import { language, languageChosen, LANGUAGES, setLanguage, t, useLanguage, type Language } from '../../i18n';
import { api } from '../../api';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';

const BROWSER = 'browser';

/** The interface's language on this device: one chosen, or the browser's. */
export function LanguageSection() {
  useLanguage();
  const toast = useToast();
  const choose = (value: string) => {
    const chosen = value === BROWSER ? null : (value as Language);
    setLanguage(chosen);
    // Kept with the account too, so every device it signs in on speaks it.
    api.account.setPreferences({ language: chosen }).catch((err: unknown) => toast.error(err, t('languageSection.couldNotSave')));
  };
  const choice: string = languageChosen() ? language() : BROWSER;
  // Each language is named in itself, so that someone lost in a foreign one finds theirs.
  const choices = [{ value: BROWSER, label: t('languageSection.browser') }, ...Object.entries(LANGUAGES).map(([value, label]) => ({ value, label }))];
  return (
    <section className="account-section" aria-labelledby="language-title">
      <h2 id="language-title">{t('languageSection.language')}</h2>
      <SelectField
        id="account-language"
        label={t('languageSection.language')}
        labelHidden
        value={choice}
        choices={choices}
        onChange={choose}
        hint={t('languageSection.hint')}
        testId="language-select"
      />
    </section>
  );
}
