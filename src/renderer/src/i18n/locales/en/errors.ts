import { ERROR_TITLES } from '../../../../../shared/errors'

/** Error headlines by code: the English is the CLI's own (ERROR_TITLES), so the two never drift. */
export default {
  errors: {
    ...ERROR_TITLES,
    /** The headline when several fields are wrong; {list} is their messages. */
    invalidInput: 'Invalid input: {list}'
  }
}
