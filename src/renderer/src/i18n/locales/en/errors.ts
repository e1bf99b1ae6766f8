/** Error headlines by code (src/shared/errors.ts ERROR_TITLES, which the CLI prints, has the same English). */
export default {
  errors: {
    VALIDATION: 'Some fields need attention',
    NOT_FOUND: 'Not found',
    CONFLICT: 'Already exists or still in use',
    RULE_VIOLATION: 'Not allowed by the registry rules',
    UNAUTHORIZED: 'Sign-in required',
    FORBIDDEN: 'Not permitted',
    RATE_LIMITED: 'Too many attempts',
    BUSY: 'The registry is busy',
    INTERNAL: 'Unexpected error'
  }
}
