import type { Registrar } from './index'

export const registerQuota: Registrar = () => {}
