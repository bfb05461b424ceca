/** Databases the test harness creates start with this, so leftovers can be found. */
export const TEST_DATABASE_PREFIX = 'elygate_t_';
