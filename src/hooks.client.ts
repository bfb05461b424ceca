import * as z from 'zod';
import { defineCustomClientStrategy } from '$lib/paraglide/runtime';
import { localizeZod } from '$lib/i18n/zod';

// Zod compiles fast validators with `new Function` when it may; under the console's
// Content-Security-Policy (no eval) its probe would be reported as a violation. Forms
// validate in the browser at human speed, so the plain path is plenty.
z.config({ jitless: true });
localizeZod();

// The page's language is the one the server rendered it in (scripts/paraglide-options.ts).
// Switching is a form post to /locale, never a client-side setLocale.
defineCustomClientStrategy('custom-document', { getLocale: () => document.documentElement.lang || undefined, setLocale: () => {} });
