import { language, languageChosen, LANGUAGES, setLanguage, t, useLanguage, type Language } from '../../i18n';
import { SelectField } from '../../ui/SelectField';

const BROWSER = 'browser';

/** The interface's language on this device: one chosen, or the browser's. */
export function LanguageSection() {
  useLanguage();
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
        onChange={(v) => setLanguage(v === BROWSER ? null : (v as Language))}
        hint={t('languageSection.hint')}
        testId="language-select"
      />
    </section>
  );
}
