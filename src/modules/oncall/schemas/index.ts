export * from './oncall-schemas';
