// The HTTP transport both PG clients share: connect vs read timeouts told apart (NOT_SENT vs UNKNOWN), bodies checked
// against expected shapes, secrets scrubbed from every error.
export * from './pg-http.transport';
export * from './pg-shape.validator';
