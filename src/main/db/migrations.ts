/**
 * Ordered schema migrations. Each runs in its own transaction and is recorded in
 * `schema_migrations`; `PRAGMA user_version` mirrors the highest applied version so a
 * registry written by a newer Keyward is recognised before anything touches it.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'registry',
    sql: /* sql */ `
      CREATE TABLE registry_settings (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE departments (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE
      ) STRICT;

      CREATE TABLE projects (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE
      ) STRICT;

      CREATE TABLE resources (
        id         TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        type       TEXT NOT NULL CHECK (type IN ('TPM', 'PYG')),
        status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
        tpm_limit  INTEGER CHECK ((type = 'TPM' AND tpm_limit > 0) OR (type = 'PYG' AND tpm_limit IS NULL)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (model, type),
        UNIQUE (id, model)
      ) STRICT;

      CREATE TABLE api_keys (
        pk            INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('standard', 'admin')),
        hint          TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        department_id INTEGER REFERENCES departments (id),
        project_id    INTEGER REFERENCES projects (id),
        environment   TEXT,
        requestor     TEXT,
        app_id        TEXT,
        justification TEXT,
        notes         TEXT,
        notify_email  TEXT,
        created_by    TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        expires_at    INTEGER,
        last_used_at  INTEGER
      ) STRICT;
      -- Unique among live keys, case-insensitively; deleted keys live on only as tombstones.
      CREATE UNIQUE INDEX api_keys_name ON api_keys (name COLLATE NOCASE);
      CREATE INDEX api_keys_created ON api_keys (created_at, pk);
      CREATE INDEX api_keys_last_used ON api_keys (last_used_at, pk);
      -- Never-expiring keys (NULL) sort after every date.
      CREATE INDEX api_keys_expires ON api_keys (coalesce(expires_at, 8640000000000000), pk);
      CREATE INDEX api_keys_department ON api_keys (department_id, name COLLATE NOCASE);
      CREATE INDEX api_keys_project ON api_keys (project_id, name COLLATE NOCASE);
      CREATE INDEX api_keys_environment ON api_keys (environment, name COLLATE NOCASE);
      CREATE INDEX api_keys_disabled ON api_keys (disabled, name COLLATE NOCASE);

      -- A key may own several secrets over its life (rotation): only hashes are stored.
      CREATE TABLE key_secrets (
        id          INTEGER PRIMARY KEY,
        key_pk      INTEGER NOT NULL REFERENCES api_keys (pk) ON DELETE CASCADE,
        secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
        hint        TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        -- NULL while current; after a rotation, when the grace window of this old secret ends.
        retires_at  INTEGER
      ) STRICT;
      CREATE INDEX key_secrets_key ON key_secrets (key_pk);

      -- The seed's rule, enforced by the database: at most one resource per model per key,
      -- so a key on gpt-4o under TPM cannot also hold gpt-4o under PYG. The composite foreign
      -- key keeps the copied model equal to the resource's own.
      CREATE TABLE key_resources (
        key_pk      INTEGER NOT NULL REFERENCES api_keys (pk) ON DELETE CASCADE,
        resource_id TEXT NOT NULL,
        model       TEXT NOT NULL,
        PRIMARY KEY (key_pk, resource_id),
        UNIQUE (key_pk, model),
        FOREIGN KEY (resource_id, model) REFERENCES resources (id, model)
      ) STRICT;
      CREATE INDEX key_resources_resource ON key_resources (resource_id, key_pk);

      CREATE TRIGGER key_resources_no_admin BEFORE INSERT ON key_resources
      WHEN (SELECT kind FROM api_keys WHERE pk = NEW.key_pk) = 'admin'
      BEGIN
        SELECT RAISE(ABORT, 'admin keys take no resources');
      END;

      CREATE TABLE key_tombstones (
        secret_hash BLOB PRIMARY KEY,
        key_id      TEXT NOT NULL,
        name        TEXT NOT NULL,
        deleted_at  INTEGER NOT NULL,
        deleted_by  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX key_tombstones_key ON key_tombstones (key_id);

      -- Substring search over name, requestor, app id and notes without scanning the table.
      CREATE VIRTUAL TABLE api_keys_fts USING fts5 (
        name, requestor, app_id, notes,
        content = 'api_keys', content_rowid = 'pk', tokenize = 'trigram'
      );
      CREATE TRIGGER api_keys_fts_insert AFTER INSERT ON api_keys BEGIN
        INSERT INTO api_keys_fts (rowid, name, requestor, app_id, notes)
        VALUES (NEW.pk, NEW.name, NEW.requestor, NEW.app_id, NEW.notes);
      END;
      CREATE TRIGGER api_keys_fts_delete AFTER DELETE ON api_keys BEGIN
        INSERT INTO api_keys_fts (api_keys_fts, rowid, name, requestor, app_id, notes)
        VALUES ('delete', OLD.pk, OLD.name, OLD.requestor, OLD.app_id, OLD.notes);
      END;
      CREATE TRIGGER api_keys_fts_update AFTER UPDATE OF name, requestor, app_id, notes ON api_keys BEGIN
        INSERT INTO api_keys_fts (api_keys_fts, rowid, name, requestor, app_id, notes)
        VALUES ('delete', OLD.pk, OLD.name, OLD.requestor, OLD.app_id, OLD.notes);
        INSERT INTO api_keys_fts (rowid, name, requestor, app_id, notes)
        VALUES (NEW.pk, NEW.name, NEW.requestor, NEW.app_id, NEW.notes);
      END;

      -- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical entry).
      CREATE TABLE audit_log (
        seq         INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        target_id   TEXT,
        target_name TEXT,
        details     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_target ON audit_log (target_id, seq);
      CREATE INDEX audit_log_action ON audit_log (action, seq);

      -- Alerts to send when a key is created with Notify via Email; written in the key's own transaction.
      CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        subject     TEXT NOT NULL,
        body_text   TEXT NOT NULL,
        body_html   TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        next_attempt_at INTEGER NOT NULL,
        claimed_until INTEGER,
        message_id  TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        sent_at     INTEGER
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    `
  },
  {
    version: 2,
    name: 'usage',
    sql: /* sql */ `
      -- Tokens used per key, model and minute (minute = floor(epoch ms / 60000)).
      CREATE TABLE key_usage (
        key_pk            INTEGER NOT NULL REFERENCES api_keys (pk) ON DELETE CASCADE,
        model             TEXT NOT NULL,
        minute            INTEGER NOT NULL,
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (key_pk, model, minute)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX key_usage_minute ON key_usage (minute);
    `
  },
  {
    version: 3,
    name: 'resource usage window',
    sql: /* sql */ `
      -- Tokens used per TPM resource and minute, summed over every key assigned to it: the
      -- verifier checks a resource's tpmLimit with one primary-key lookup instead of a sum.
      CREATE TABLE resource_usage (
        resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        minute      INTEGER NOT NULL,
        tokens      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (resource_id, minute)
      ) STRICT, WITHOUT ROWID;
    `
  },
  {
    version: 4,
    name: 'resource upstreams',
    sql: /* sql */ `
      -- Where the gateway (keyward serve --gateway) sends a resource's traffic: an OpenAI-compatible
      -- base URL, the model name the upstream expects (NULL: the resource's own model), and the NAME
      -- of the serving process's environment variable that holds the provider credential. The
      -- credential itself is never stored in the registry.
      ALTER TABLE resources ADD COLUMN upstream_url TEXT
        CHECK (upstream_url IS NULL OR upstream_url LIKE 'http://%' OR upstream_url LIKE 'https://%');
      ALTER TABLE resources ADD COLUMN upstream_model TEXT;
      ALTER TABLE resources ADD COLUMN upstream_key_env TEXT;
    `
  },
  {
    version: 5,
    name: 'gateway token window',
    sql: /* sql */ `
      -- The gateway's TPM window per resource and second (reserved or settled tokens), so a
      -- restarted gateway keeps the count of the window it was in. Rows older than two minutes
      -- are pruned by the gateway.
      CREATE TABLE tpm_window (
        resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        second      INTEGER NOT NULL,
        tokens      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (resource_id, second)
      ) STRICT, WITHOUT ROWID;
    `
  },
  {
    version: 6,
    name: 'imported secret hashes',
    sql: /* sql */ `
      -- How a secret hash was made. 'keyward': SHA-256 of a kw_/kwa_ secret (every key made here,
      -- and those imported from another Keyward). 'sha256': SHA-256 of another system's secret,
      -- imported by hash (keys import): only such hashes let a secret without the kw_ format verify.
      ALTER TABLE key_secrets ADD COLUMN format TEXT NOT NULL DEFAULT 'keyward' CHECK (format IN ('keyward', 'sha256'));
      -- Empty unless foreign hashes were imported: the verifier asks it whether to look at all.
      CREATE INDEX key_secrets_foreign ON key_secrets (secret_hash) WHERE format = 'sha256';
    `
  }
]
