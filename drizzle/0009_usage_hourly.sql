CREATE TABLE "usage_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"user_id" integer NOT NULL,
	"channel_id" integer DEFAULT 0 NOT NULL,
	"model" text NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"failures" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_hourly_hour_user_id_channel_id_model_pk" PRIMARY KEY("hour","user_id","channel_id","model")
);
--> statement-breakpoint
CREATE INDEX "usage_hourly_user_hour_idx" ON "usage_hourly" USING btree ("user_id","hour");
--> statement-breakpoint
-- The hours of the log rows already written (the ledger keeps the table from now on); as far back as the console shows.
INSERT INTO "usage_hourly" ("hour", "user_id", "channel_id", "model", "requests", "failures", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cost")
SELECT date_trunc('hour', "created_at" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', "user_id", coalesce("channel_id", 0), "model",
	count(*), count(*) FILTER (WHERE "status" <> 200), sum("prompt_tokens"), sum("completion_tokens"), sum("cache_read_tokens"), sum("cost")
FROM "request_logs" WHERE "created_at" >= now() - interval '120 days'
GROUP BY 1, 2, 3, 4;
