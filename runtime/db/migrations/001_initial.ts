// The initial schema. Each table is a contract between roles: see docs/runtime.md.
// Migrations only ever add (safe to run while older pods run); later changes get new files.
export const name = "initial";
export const sql = /* sql */ `
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Users log in with Basic auth and get HMAC-signed bearer tokens carrying token_epoch; bumping
-- the epoch (password change, deletion) invalidates every token of that user.
CREATE TABLE users (
  username             text PRIMARY KEY,
  role                 text NOT NULL CHECK (role IN ('ROLE_ADMIN', 'ROLE_USER')),
  password_hash        text NOT NULL,
  must_change_password boolean NOT NULL DEFAULT false,
  token_epoch          integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE revoked_tokens (
  token_id   text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
-- Machine clients' key pairs; the secret is stored only as a slow hash.
CREATE TABLE api_keys (
  key_id      text PRIMARY KEY,
  secret_hash text NOT NULL,
  role        text NOT NULL CHECK (role IN ('ROLE_ADMIN', 'ROLE_USER')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  wa_id      text PRIMARY KEY,
  status     text NOT NULL CHECK (status IN ('valid', 'invalid')),
  checked_at timestamptz NOT NULL DEFAULT now()
);

-- Shard count by generation; the newest generation is the current one.
CREATE TABLE shard_map (
  generation bigint PRIMARY KEY,
  shards     smallint NOT NULL CHECK (shards IN (1, 2, 4, 8, 16, 32)),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE shard_leases (
  generation  bigint NOT NULL REFERENCES shard_map ON DELETE CASCADE,
  shard       smallint NOT NULL CHECK (shard >= 0 AND shard < 32),
  holder      text NOT NULL,
  epoch       bigint NOT NULL,   -- fencing token: +1 at every take-over
  acquired_at timestamptz NOT NULL DEFAULT now(),
  renewed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (generation, shard)
);
-- What each CoreApp reports for /v1/health and for overload (503) decisions.
CREATE TABLE coreapp_nodes (
  node_id        text PRIMARY KEY,
  generation     bigint,
  shard          smallint,
  gateway_status text NOT NULL CHECK (gateway_status IN ('connected', 'connecting', 'disconnected', 'uninitialized', 'unregistered')),
  queue_depth    integer NOT NULL DEFAULT 0,
  started_at     timestamptz NOT NULL DEFAULT now(),
  heartbeat_at   timestamptz NOT NULL DEFAULT now()
);

-- Outbound messages. bucket = recipient_hash % 32; the owner of shard (bucket % shards) sends it.
CREATE TABLE messages (
  seq             bigserial PRIMARY KEY,
  id              text NOT NULL UNIQUE,
  idempotency_key text UNIQUE,
  recipient       text NOT NULL,
  recipient_hash  bigint NOT NULL,
  bucket          smallint NOT NULL CHECK (bucket >= 0 AND bucket < 32),
  type            text NOT NULL,
  body            bytea NOT NULL,   -- sealed JSON of the message object
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  error           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  delivered_at    timestamptz,
  read_at         timestamptz,
  failed_at       timestamptz
);
CREATE INDEX messages_queued ON messages (bucket, seq) WHERE status = 'queued';

-- Every receipt once (the primary key makes repeated receipts no-ops).
CREATE TABLE message_statuses (
  message_seq bigint NOT NULL REFERENCES messages ON DELETE CASCADE,
  status      text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
  at          timestamptz NOT NULL,
  errors      jsonb,
  PRIMARY KEY (message_seq, status)
);

-- Inbound messages; a read request (PUT /v1/messages/{id}) is sent back by the owner of the
-- sender's bucket.
CREATE TABLE inbound_messages (
  id                text PRIMARY KEY,
  from_wa_id        text NOT NULL,
  bucket            smallint NOT NULL CHECK (bucket >= 0 AND bucket < 32),
  type              text NOT NULL,
  body              bytea NOT NULL,   -- sealed JSON of the message object
  received_at       timestamptz NOT NULL DEFAULT now(),
  read_requested_at timestamptz,
  read_sent_at      timestamptz
);
CREATE INDEX inbound_read_pending ON inbound_messages (bucket) WHERE read_requested_at IS NOT NULL AND read_sent_at IS NULL;

-- Media metadata; the sealed file lives on the media volume at its content address.
CREATE TABLE media (
  id         text PRIMARY KEY,
  address    text NOT NULL,
  mime_type  text NOT NULL,
  size       bigint NOT NULL,
  direction  text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- Webhook events (sealed on-prem event objects) and their delivery to each endpoint.
CREATE TABLE webhook_outbox (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('message', 'status')),
  payload    bytea NOT NULL,
  fanned_out boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_outbox_new ON webhook_outbox (id) WHERE NOT fanned_out;
CREATE TABLE webhook_deliveries (
  id              bigserial PRIMARY KEY,
  event_id        bigint NOT NULL REFERENCES webhook_outbox ON DELETE CASCADE,
  endpoint        text NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  delivered_at    timestamptz,
  UNIQUE (event_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint, next_attempt_at) WHERE state = 'pending';
`;
