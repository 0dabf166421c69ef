/** The contract between the ingest Lambda, the GPU worker and whoever reads their outputs. */
export * from './job-message';
export * from './outcome-message';
export * from './keys';
export * from './status-record';
export * from './webhook-signature';
