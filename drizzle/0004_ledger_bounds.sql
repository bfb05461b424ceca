CREATE TABLE "ledger_dead_letters" (
	"request_id" text PRIMARY KEY NOT NULL,
	"user_id" integer,
	"entry" jsonb NOT NULL,
	"sqlstate" text,
	"reason" text NOT NULL,
	"attempts" integer NOT NULL,
	"first_failed_at" timestamp with time zone NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- One statement, so a large request_logs is rewritten (and its indexes rebuilt) once rather
-- than once per column; it holds an exclusive lock on the table meanwhile (README, Upgrading).
-- The new column's constant default needs no rewrite of its own.
ALTER TABLE "request_logs"
	ALTER COLUMN "prompt_tokens" SET DATA TYPE bigint,
	ALTER COLUMN "completion_tokens" SET DATA TYPE bigint,
	ALTER COLUMN "cache_read_tokens" SET DATA TYPE bigint,
	ALTER COLUMN "cache_write_tokens" SET DATA TYPE bigint,
	ALTER COLUMN "reasoning_tokens" SET DATA TYPE bigint,
	ADD COLUMN "usage_clamped" boolean DEFAULT false NOT NULL;
