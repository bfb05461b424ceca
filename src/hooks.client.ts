import * as z from 'zod';

// Zod compiles fast validators with `new Function` when it may; under the console's
// Content-Security-Policy (no eval) its probe would be reported as a violation. Forms
// validate in the browser at human speed, so the plain path is plenty.
z.config({ jitless: true });
