ALTER TABLE "channels" ADD COLUMN "tags" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "balance_amount" numeric(20, 6);--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "balance_currency" text;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "balance_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "balance_error" text;