-- Every user starts in the "default" group, so it must exist with ratio 1.
INSERT INTO "groups" ("name", "ratio", "description") VALUES ('default', 1, 'Everyone, unless placed elsewhere') ON CONFLICT ("name") DO NOTHING;
