CREATE TABLE "usage_daily" (
	"day" date NOT NULL,
	"user_id" integer NOT NULL,
	"api_key_id" integer DEFAULT 0 NOT NULL,
	"channel_id" integer DEFAULT 0 NOT NULL,
	"model" text NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"failures" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_daily_day_user_id_api_key_id_channel_id_model_pk" PRIMARY KEY("day","user_id","api_key_id","channel_id","model")
);
--> statement-breakpoint
DROP INDEX "balance_changes_user_time_idx";--> statement-breakpoint
DROP INDEX "request_logs_user_time_idx";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "balance_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "usage_daily_user_day_idx" ON "usage_daily" USING btree ("user_id","day");--> statement-breakpoint
CREATE INDEX "balance_changes_user_idx" ON "balance_changes" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "request_logs_user_idx" ON "request_logs" USING btree ("user_id","request_id");--> statement-breakpoint
-- Users created before balances were journaled get the 'initial' row that makes
-- initial + sum(balance changes) - sum(logged costs) = balance hold for them too.
INSERT INTO "balance_changes" ("user_id", "delta", "balance_after", "reason", "note")
SELECT u."id",
	u."quota" - coalesce((SELECT sum(b."delta") FROM "balance_changes" b WHERE b."user_id" = u."id"), 0)
		+ coalesce((SELECT sum(l."cost") FROM "request_logs" l WHERE l."user_id" = u."id"), 0),
	u."quota", 'initial', 'balance before balance history began'
FROM "users" u
WHERE NOT EXISTS (SELECT 1 FROM "balance_changes" b WHERE b."user_id" = u."id" AND b."reason" = 'initial');--> statement-breakpoint
UPDATE "users" SET "balance_version" = 1 WHERE "balance_version" = 0;
