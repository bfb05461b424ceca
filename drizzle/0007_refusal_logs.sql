ALTER TABLE "request_logs" ADD COLUMN "error_code" text;--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "repeat_count" integer DEFAULT 0 NOT NULL;