ALTER TYPE "public"."balance_change_reason" ADD VALUE 'import';--> statement-breakpoint
CREATE TABLE "imported_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "imported_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source_id" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"user_id" integer,
	"api_key_id" integer,
	"channel_id" integer,
	"username" text DEFAULT '' NOT NULL,
	"key_name" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"group" text DEFAULT '' NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" bigint DEFAULT 0 NOT NULL,
	"latency_ms" integer,
	"stream" boolean DEFAULT false NOT NULL,
	"client_ip" text,
	"content" text DEFAULT '' NOT NULL,
	CONSTRAINT "imported_logs_source_id_unique" UNIQUE("source_id")
);
--> statement-breakpoint
CREATE TABLE "imported_rows" (
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"source_id" text NOT NULL,
	"target_id" integer,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imported_rows_source_kind_source_id_pk" PRIMARY KEY("source","kind","source_id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "display_name" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "imported_used_quota" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "imported_request_count" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "imported_used_quota" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "group" text;--> statement-breakpoint
CREATE INDEX "imported_logs_user_idx" ON "imported_logs" USING btree ("user_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "imported_logs_time_brin" ON "imported_logs" USING brin ("created_at");