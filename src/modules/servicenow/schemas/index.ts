/**
 * The public entry of the servicenow module's schemas: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export * from './servicenow-schemas';
