/** Light, dark, or whatever the device prefers. Kept in a cookie; the server renders it. */
export type Theme = 'light' | 'dark' | 'system';

export const THEME_COOKIE = 'elygate_theme';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

export function themeOf(value: string | undefined | null): Theme {
	return value === 'light' || value === 'dark' ? value : 'system';
}
