/** A channel type's config property as the channel form renders it (derived from the type's schema on the server). */
export type ConfigFieldKind = 'text' | 'number' | 'select' | 'checkbox' | 'lines' | 'json';

export interface ConfigField {
	/** The config property. */
	key: string;
	/** The form field: `cfg_<key>`. */
	name: string;
	kind: ConfigFieldKind;
	required: boolean;
	description?: string;
	options?: string[];
	defaultValue?: string | boolean;
	pattern?: string;
}

/** Per-channel relay timeouts (config.timeouts), shown for every type. */
export const TIMEOUT_FIELDS = [
	{ key: 'connectMs', label: 'Connect timeout (ms)' },
	{ key: 'firstByteMs', label: 'First byte timeout (ms)' },
	{ key: 'streamFirstByteMs', label: 'Stream first byte timeout (ms)' },
	{ key: 'streamIdleMs', label: 'Stream idle timeout (ms)' }
] as const;
