-- Link previews and avatars.
-- A message's link preview, as JSON ({url, title, description, siteName, imageUploadId}); a
-- preview its author removed stays as {url, removed: true}, so that it is not fetched again.
ALTER TABLE messages ADD COLUMN preview jsonb;
-- The version of a user's avatar (NULL: none); it is part of the avatar's storage key and URL,
-- so a new avatar is a new URL and an old one can be cached forever.
ALTER TABLE users ADD COLUMN avatar_version bigint;
