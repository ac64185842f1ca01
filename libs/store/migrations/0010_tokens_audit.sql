-- API tokens, stored as SHA-256 digests: the token itself is shown once, when it is created, and
-- is never stored. A token is random (256 bits), so a fast digest is enough; nothing can be
-- guessed from a leaked table. Scope: the dealers of a crm token, the queues of an agent token
-- ('*' is every queue); manager and admin tokens have none.
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  role text NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'crm')),
  scope text[] NOT NULL DEFAULT '{}',
  digest bytea NOT NULL UNIQUE CHECK (length(digest) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  revoked_at timestamptz,
  revoked_by text NOT NULL DEFAULT ''
);

-- Every replica reloads its tokens when they change, however they were changed.
CREATE FUNCTION api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sv_tokens', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER api_tokens_changed AFTER INSERT OR UPDATE OR DELETE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION api_tokens_changed();

-- Who was refused what, and who changed who may do what: calls denied by role or by scope
-- (another dealer's lead, another queue), tokens created and revoked, people erased.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  principal text NOT NULL,
  method text NOT NULL,
  event text NOT NULL CHECK (event IN ('denied', 'token_created', 'token_revoked', 'erased')),
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
