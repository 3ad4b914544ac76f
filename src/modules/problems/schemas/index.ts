/**
 * The public entry of the problems module's schemas: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { suggestionsSchema } from './suggestion-schemas';
