-- The interface language a user chose (a language tag such as `fr`), kept with their other
-- preferences so every device they sign in on speaks it. NULL: follow the browser's language.
ALTER TABLE user_preferences ADD COLUMN language TEXT;
