import type { Db } from '../db';
import type { ChannelHealthView } from '../relay/health';
import type { SecretBox } from '../security/crypto';

/** What services need from the running app; tests and the CLI build their own. */
export interface ServiceContext {
	db: Db;
	secrets: SecretBox;
	/** The running relay's view of a channel's health; absent outside the server (CLI, tests). */
	channelHealth?: (channelId: number) => ChannelHealthView | undefined;
}
