import type { Registrar } from './index'

export const registerAudit: Registrar = () => {}
