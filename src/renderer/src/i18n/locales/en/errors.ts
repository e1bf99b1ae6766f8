import { ERROR_TITLES } from '../../../../../shared/errors'

/** Error headlines by code: the English is the CLI's own (ERROR_TITLES), so the two never drift. */
export default {
  errors: { ...ERROR_TITLES }
}
